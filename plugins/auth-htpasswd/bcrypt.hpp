// bcrypt through libxcrypt: verification of "$2y$"/"$2b$"/"$2a$" hashes (as `htpasswd -B` writes
// them) and hashing (for the dummy hash and for tests).
#pragma once

#include <optional>
#include <string>

namespace wharf::auth {

bool isBcryptHash(const std::string& hash);
// The cost ("$2y$10$..." -> 10); nullopt when not a bcrypt hash.
std::optional<int> bcryptCost(const std::string& hash);
// Constant-time comparison of crypt(password, hash) with hash.
bool bcryptVerify(const std::string& password, const std::string& hash);
// A new "$2b$" hash of `password` with `cost` and a random salt.
std::string bcryptHash(const std::string& password, int cost);

}  // namespace wharf::auth

#include "bcrypt.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace wharf::auth {

bool isBcryptHash(const std::string& hash) { return bcryptCost(hash).has_value(); }

std::optional<int> bcryptCost(const std::string& hash) {
  if (hash.size() < 7 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return std::nullopt;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return std::nullopt;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return std::nullopt;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

bool bcryptVerify(const std::string& password, const std::string& hash) {
  if (!isBcryptHash(hash)) return false;
  if (password.find('\0') != std::string::npos) return false;  // crypt(3) would stop at the NUL
  auto data = std::make_unique<crypt_data>();                  // ~32 KiB: not on the stack
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (!out || out[0] == '*') return false;
  size_t n = std::strlen(out);
  return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

std::string bcryptHash(const std::string& password, int cost) {
  unsigned char rnd[16];
  if (RAND_bytes(rnd, sizeof rnd) != 1) throw std::runtime_error("no random bytes for a salt");
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), reinterpret_cast<char*>(rnd),
                        sizeof rnd, setting, sizeof setting))
    throw std::runtime_error("crypt_gensalt failed");
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (!out || out[0] == '*') throw std::runtime_error("bcrypt failed");
  return out;
}

}  // namespace wharf::auth

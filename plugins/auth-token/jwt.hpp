// Compact JWS tokens (header.payload.signature, base64url): parsing and signature checks. The
// claims themselves are checked by token_claims.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jwk_set.hpp"
#include "x5c_chain.hpp"

namespace wharf::auth {

struct Jwt {
  std::string alg, kid;
  std::vector<std::string> x5c;
  nlohmann::json claims;     // an object
  std::string signingInput;  // "<header>.<payload>" as sent
  std::string signature;     // raw bytes
};

// nullopt (with `why`) when the token is not a well-formed JWS with JSON header and claims.
std::optional<Jwt> parseJwt(const std::string& token, std::string& why);

// Checks the signature with the JWK set (by kid, else every key) or the x5c chain against the
// root bundle; either source may be absent. False with `why` when nothing verifies it.
bool verifyJwtSignature(const Jwt& jwt, const JwkSet* jwks, const RootBundle* roots,
                        std::string& why);

}  // namespace wharf::auth

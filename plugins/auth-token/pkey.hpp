// Owned OpenSSL public keys and JWS signature verification (RS256, ES256, EdDSA).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace wharf::auth {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;
inline Pkey ownPkey(EVP_PKEY* k) { return Pkey(k, PkeyFree{}); }

// True when `alg` is one this verifier supports ("RS256", "ES256", "EdDSA").
bool isSupportedJwsAlgorithm(std::string_view alg);
// Verifies a JWS signature (`sig` raw bytes as in the token: ES256 is r||s) over `signing_input`.
// False when the key type does not fit `alg` or the signature is wrong.
bool verifyJws(const std::string& alg, EVP_PKEY* key, std::string_view signing_input,
               std::string_view sig);

}  // namespace wharf::auth

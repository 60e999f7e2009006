#include "pkey.hpp"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

namespace wharf::auth {

namespace {

// r||s (64 bytes for P-256) to the DER ECDSA-Sig-Value OpenSSL verifies.
std::string rawToDerEcdsa(std::string_view raw) {
  if (raw.size() != 64) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  std::string out;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    unsigned char* der = nullptr;
    int n = i2d_ECDSA_SIG(sig, &der);
    if (n > 0) out.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

bool isSupportedJwsAlgorithm(std::string_view alg) {
  return alg == "RS256" || alg == "ES256" || alg == "EdDSA";
}

bool verifyJws(const std::string& alg, EVP_PKEY* key, std::string_view signing_input,
               std::string_view sig) {
  if (!key) return false;
  const EVP_MD* md = nullptr;
  std::string der;
  std::string_view signature = sig;
  if (alg == "RS256") {
    if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) return false;
    md = EVP_sha256();
  } else if (alg == "ES256") {
    if (EVP_PKEY_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 256) return false;
    md = EVP_sha256();
    der = rawToDerEcdsa(sig);
    if (der.empty()) return false;
    signature = der;
  } else if (alg == "EdDSA") {
    if (EVP_PKEY_base_id(key) != EVP_PKEY_ED25519) return false;
  } else {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace wharf::auth

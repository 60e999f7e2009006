// JWT verification: tokens signed here with OpenSSL (RS256, ES256, EdDSA), keys published as a JWK
// set or as an x5c chain under a root made here.
#include "jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>

#include "base64.hpp"

using namespace wharf::auth;

namespace {

Pkey generate(const std::string& alg) {
  if (alg == "RS256") return ownPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  if (alg == "ES256") return ownPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  return ownPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

std::string bnParam(EVP_PKEY* k, const char* name, size_t pad = 0) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  std::string out(pad ? pad : static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

std::string jwk(const std::string& alg, EVP_PKEY* k, const std::string& kid) {
  std::string head = R"({"kid":")" + kid + R"(",)";
  if (alg == "RS256")
    return head + R"("kty":"RSA","n":")" + base64UrlEncode(bnParam(k, OSSL_PKEY_PARAM_RSA_N)) +
           R"(","e":")" + base64UrlEncode(bnParam(k, OSSL_PKEY_PARAM_RSA_E)) + R"("})";
  if (alg == "ES256")
    return head + R"("kty":"EC","crv":"P-256","x":")" +
           base64UrlEncode(bnParam(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
           base64UrlEncode(bnParam(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + R"("})";
  unsigned char raw[32];
  size_t n = sizeof raw;
  EVP_PKEY_get_raw_public_key(k, raw, &n);
  return head + R"("kty":"OKP","crv":"Ed25519","x":")" +
         base64UrlEncode(std::string(reinterpret_cast<char*>(raw), n)) + R"("})";
}

std::string sign(const std::string& alg, EVP_PKEY* k, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, alg == "EdDSA" ? nullptr : EVP_sha256(), nullptr, k);
  size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg != "ES256") return sig;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

std::string token(const std::string& alg, EVP_PKEY* k, const std::string& header_extra,
                  const std::string& claims = R"({"iss":"i","aud":"s","exp":9999999999})") {
  std::string header = R"({"alg":")" + alg + R"(","typ":"JWT")" + header_extra + "}";
  std::string input = base64UrlEncode(header) + "." + base64UrlEncode(claims);
  return input + "." + base64UrlEncode(sign(alg, k, input));
}

class JwtAlgorithms : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(JwtAlgorithms, VerifiesWithJwkSet) {
  const std::string alg = GetParam();
  Pkey key = generate(alg), other = generate(alg);
  JwkSet set = JwkSet::parse(R"({"keys":[)" + jwk(alg, key.get(), "k1") + "]}");
  std::string why;
  auto jwt = parseJwt(token(alg, key.get(), R"(,"kid":"k1")"), why);
  ASSERT_TRUE(jwt) << why;
  EXPECT_TRUE(verifyJwtSignature(*jwt, &set, nullptr, why)) << why;
  EXPECT_EQ(jwt->claims.at("iss").get<std::string>(), "i");
  // no kid: every key is tried
  jwt = parseJwt(token(alg, key.get(), ""), why);
  EXPECT_TRUE(verifyJwtSignature(*jwt, &set, nullptr, why));
  // another key's signature
  jwt = parseJwt(token(alg, other.get(), R"(,"kid":"k1")"), why);
  EXPECT_FALSE(verifyJwtSignature(*jwt, &set, nullptr, why));
  // a tampered payload
  std::string t = token(alg, key.get(), R"(,"kid":"k1")");
  size_t dot = t.find('.');
  std::string forged =
      t.substr(0, dot + 1) + base64UrlEncode(R"({"iss":"evil"})") + t.substr(t.find('.', dot + 1));
  jwt = parseJwt(forged, why);
  ASSERT_TRUE(jwt);
  EXPECT_FALSE(verifyJwtSignature(*jwt, &set, nullptr, why));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtAlgorithms, ::testing::Values("RS256", "ES256", "EdDSA"));

TEST(Jwt, RejectsMalformedAndUnsupported) {
  std::string why;
  EXPECT_FALSE(parseJwt("a.b", why));
  EXPECT_FALSE(parseJwt("a.b.c.d", why));
  EXPECT_FALSE(
      parseJwt(base64UrlEncode(R"({"alg":"none"})") + "." + base64UrlEncode("{}") + ".", why));
  EXPECT_FALSE(
      parseJwt(base64UrlEncode(R"({"alg":"HS256"})") + "." + base64UrlEncode("{}") + ".x", why));
}

TEST(Jwt, AlgorithmMustMatchKeyType) {
  Pkey ec = generate("ES256");
  JwkSet set = JwkSet::parse(R"({"keys":[)" + jwk("ES256", ec.get(), "k") + "]}");
  // An RS256 header over an EC key never verifies.
  Pkey rsa = generate("RS256");
  std::string why;
  auto jwt = parseJwt(token("RS256", rsa.get(), R"(,"kid":"k")"), why);
  ASSERT_TRUE(jwt);
  EXPECT_FALSE(verifyJwtSignature(*jwt, &set, nullptr, why));
}

TEST(Jwt, X5cChainAgainstRootBundle) {
  Pkey caKey = generate("ES256"), leafKey = generate("ES256");
  auto makeCert = [](EVP_PKEY* subjectKey, EVP_PKEY* issuerKey, const char* cn, X509* issuer) {
    X509* c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600);
    X509_set_pubkey(c, subjectKey);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(c));
    if (!issuer) {  // a root: mark it as a CA
      X509V3_CTX v3;
      X509V3_set_ctx_nodb(&v3);
      X509V3_set_ctx(&v3, c, c, nullptr, nullptr, 0);
      X509_EXTENSION* ext =
          X509V3_EXT_conf_nid(nullptr, &v3, NID_basic_constraints, "critical,CA:TRUE");
      X509_add_ext(c, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(c, issuerKey, EVP_sha256());
    return c;
  };
  X509* ca = makeCert(caKey.get(), caKey.get(), "test root", nullptr);
  X509* leaf = makeCert(leafKey.get(), caKey.get(), "signer", ca);
  std::string path = ::testing::TempDir() + "/wharf-roots.pem";
  FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, ca);
  std::fclose(f);
  unsigned char* der = nullptr;
  int n = i2d_X509(leaf, &der);
  std::string x5c = base64Encode(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);

  RootBundle roots = RootBundle::load(path);
  std::string why;
  auto jwt = parseJwt(token("ES256", leafKey.get(), R"(,"x5c":[")" + x5c + R"("])"), why);
  ASSERT_TRUE(jwt) << why;
  EXPECT_TRUE(verifyJwtSignature(*jwt, nullptr, &roots, why)) << why;
  // signed by another key than the certified one
  Pkey stranger = generate("ES256");
  jwt = parseJwt(token("ES256", stranger.get(), R"(,"x5c":[")" + x5c + R"("])"), why);
  EXPECT_FALSE(verifyJwtSignature(*jwt, nullptr, &roots, why));
  // a self-signed leaf not under the root
  X509* lone = makeCert(stranger.get(), stranger.get(), "lone", nullptr);
  der = nullptr;
  n = i2d_X509(lone, &der);
  std::string loneB64 =
      base64Encode(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  jwt = parseJwt(token("ES256", stranger.get(), R"(,"x5c":[")" + loneB64 + R"("])"), why);
  EXPECT_FALSE(verifyJwtSignature(*jwt, nullptr, &roots, why));
  X509_free(lone);
  X509_free(leaf);
  X509_free(ca);
  std::remove(path.c_str());
}

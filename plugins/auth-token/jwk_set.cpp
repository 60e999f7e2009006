#include "jwk_set.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "base64.hpp"
#include "json_member.hpp"

namespace wharf::auth {

namespace {

using Json = nlohmann::json;

// A string member, "" when absent; throws when it is not a string.
std::string member(const Json& o, const char* name) {
  auto v = stringMember(o, name);
  if (!v) throw std::invalid_argument(std::string("JWK \"") + name + "\" is not a string");
  return *v;
}

std::string field(const Json& o, const char* name) {
  if (!o.contains(name)) throw std::invalid_argument(std::string("JWK without \"") + name + "\"");
  auto v = base64UrlDecode(member(o, name));
  if (!v || v->empty())
    throw std::invalid_argument(std::string("JWK \"") + name + "\" is not base64url");
  return *v;
}

BIGNUM* bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

Pkey fromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) throw std::invalid_argument(std::string("unusable ") + type + " JWK");
  return ownPkey(key);
}

Pkey rsaKey(const Json& o) {
  BIGNUM* n = bn(field(o, "n"));
  BIGNUM* e = bn(field(o, "e"));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  Pkey k;
  try {
    k = fromParams("RSA", bld);
  } catch (...) {
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    throw;
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return k;
}

Pkey ecKey(const Json& o) {
  if (member(o, "crv") != "P-256") throw std::invalid_argument("only P-256 EC keys are supported");
  std::string x = field(o, "x"), y = field(o, "y");
  if (x.size() != 32 || y.size() != 32) throw std::invalid_argument("bad P-256 coordinates");
  std::string point = "\x04" + x + y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  Pkey k;
  try {
    k = fromParams("EC", bld);
  } catch (...) {
    OSSL_PARAM_BLD_free(bld);
    throw;
  }
  OSSL_PARAM_BLD_free(bld);
  return k;
}

Pkey okpKey(const Json& o) {
  if (member(o, "crv") != "Ed25519")
    throw std::invalid_argument("only Ed25519 OKP keys are supported");
  std::string x = field(o, "x");
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
  if (!k) throw std::invalid_argument("unusable Ed25519 JWK");
  return ownPkey(k);
}

}  // namespace

JwkSet JwkSet::parse(const std::string& json) {
  JwkSet set;
  Json root;
  try {
    root = Json::parse(json);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("JWK set is not JSON: ") + e.what());
  }
  if (!root.is_object() || !root.contains("keys") || !root.at("keys").is_array())
    throw std::invalid_argument("JWK set without \"keys\"");
  for (const Json& o : root.at("keys")) {
    if (!o.is_object()) throw std::invalid_argument("JWK set entry is not an object");
    std::string kty = member(o, "kty");
    Pkey k;
    if (kty == "RSA")
      k = rsaKey(o);
    else if (kty == "EC")
      k = ecKey(o);
    else if (kty == "OKP")
      k = okpKey(o);
    else
      throw std::invalid_argument("unsupported JWK kty '" + kty + "'");
    set.keys_.push_back(k);
    std::string kid = member(o, "kid");
    if (!kid.empty()) set.by_kid_[kid] = k;
  }
  return set;
}

JwkSet JwkSet::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read JWK set '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

Pkey JwkSet::find(const std::string& kid) const {
  auto it = by_kid_.find(kid);
  return it == by_kid_.end() ? nullptr : it->second;
}

}  // namespace wharf::auth

#include "jwt.hpp"

#include <Poco/JSON/Parser.h>

#include "base64.hpp"

namespace wharf::auth {

namespace {

Poco::JSON::Object::Ptr parseObject(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

std::optional<Jwt> parseJwt(const std::string& token, std::string& why) {
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos) {
    why = "not a compact JWS";
    return std::nullopt;
  }
  auto header = base64UrlDecode(std::string_view(token).substr(0, dot1));
  auto payload = base64UrlDecode(std::string_view(token).substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64UrlDecode(std::string_view(token).substr(dot2 + 1));
  if (!header || !payload || !sig) {
    why = "bad base64url";
    return std::nullopt;
  }
  auto h = parseObject(*header);
  Jwt jwt;
  jwt.claims = parseObject(*payload);
  if (!h || !jwt.claims) {
    why = "header or claims are not JSON objects";
    return std::nullopt;
  }
  try {
    jwt.alg = h->optValue<std::string>("alg", "");
    jwt.kid = h->optValue<std::string>("kid", "");
    if (auto arr = h->getArray("x5c"))
      for (size_t i = 0; i < arr->size(); ++i)
        jwt.x5c.push_back(arr->getElement<std::string>(static_cast<unsigned>(i)));
  } catch (...) {
    why = "malformed JWS header";
    return std::nullopt;
  }
  if (!isSupportedJwsAlgorithm(jwt.alg)) {
    why = "unsupported alg '" + jwt.alg + "'";
    return std::nullopt;
  }
  jwt.signingInput = token.substr(0, dot2);
  jwt.signature = *sig;
  return jwt;
}

bool verifyJwtSignature(const Jwt& jwt, const JwkSet* jwks, const RootBundle* roots,
                        std::string& why) {
  if (jwks) {
    if (!jwt.kid.empty()) {
      if (auto k = jwks->find(jwt.kid))
        if (verifyJws(jwt.alg, k.get(), jwt.signingInput, jwt.signature)) return true;
    } else {
      for (auto& k : jwks->all())
        if (verifyJws(jwt.alg, k.get(), jwt.signingInput, jwt.signature)) return true;
    }
  }
  if (roots && !jwt.x5c.empty()) {
    std::string chainWhy;
    Pkey leaf = roots->verify(jwt.x5c, chainWhy);
    if (!leaf) {
      why = "x5c chain: " + chainWhy;
      return false;
    }
    if (verifyJws(jwt.alg, leaf.get(), jwt.signingInput, jwt.signature)) return true;
  }
  why = "signature not verified by any trusted key";
  return false;
}

}  // namespace wharf::auth

#include "jwt.hpp"

#include "base64.hpp"
#include "json_member.hpp"

namespace wharf::auth {

namespace {

// The JSON object in `json`, or null when it is not one.
nlohmann::json parseObject(const std::string& json) {
  nlohmann::json v = nlohmann::json::parse(json, nullptr, false);
  return v.is_object() ? v : nlohmann::json();
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
  const nlohmann::json h = parseObject(*header);
  Jwt jwt;
  jwt.claims = parseObject(*payload);
  if (h.is_null() || jwt.claims.is_null()) {
    why = "header or claims are not JSON objects";
    return std::nullopt;
  }
  auto alg = stringMember(h, "alg"), kid = stringMember(h, "kid");
  bool ok = alg && kid;
  if (ok) {
    jwt.alg = *alg;
    jwt.kid = *kid;
  }
  if (auto x5c = h.find("x5c"); ok && x5c != h.end()) {
    ok = x5c->is_array();
    for (size_t i = 0; ok && i < x5c->size(); ++i) {
      ok = (*x5c)[i].is_string();
      if (ok) jwt.x5c.push_back((*x5c)[i].get<std::string>());
    }
  }
  if (!ok) {
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

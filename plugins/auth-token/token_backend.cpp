#include "token_backend.hpp"

#include <strings.h>

#include <ctime>
#include <mutex>

#include "jwt.hpp"

namespace wharf::auth {

TokenBackend::TokenBackend(const Config& config, const Host& host)
    : host_(host),
      realm_(config.required("realm")),
      jwks_file_(config.str("jwks")),
      roots_file_(config.str("root_cert_bundle")) {
  policy_.issuer = config.required("issuer");
  policy_.service = config.required("service");
  policy_.leeway = config.integer("leeway");
  if (jwks_file_.empty() && roots_file_.empty())
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "set 'jwks' or 'root_cert_bundle' (or both): the keys that sign tokens");
  keys_ = loadKeys();
}

std::shared_ptr<const TokenBackend::Keys> TokenBackend::loadKeys() const {
  auto k = std::make_shared<Keys>();
  try {
    if (!jwks_file_.empty()) k->jwks = JwkSet::load(jwks_file_);
    if (!roots_file_.empty()) k->roots = RootBundle::load(roots_file_);
  } catch (const std::invalid_argument& e) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, e.what());
  }
  return k;
}

void TokenBackend::reload() {
  auto k = loadKeys();
  std::unique_lock lock(mutex_);
  keys_ = k;
}

std::string TokenBackend::challenge(const AuthRequest& r, const std::string& error) const {
  std::string c = "Bearer realm=\"" + realm_ + "\",service=\"" + policy_.service + "\"";
  const uint32_t wanted = r.actions();
  if (wanted != 0) {
    std::string type = r.resourceType();
    std::string actions = type == "registry" ? "*" : actionNames(wanted);
    c += ",scope=\"" + type + ":" + r.resourceName() + ":" + actions + "\"";
  }
  if (!error.empty()) c += ",error=\"" + error + "\"";
  return c;
}

void TokenBackend::authorize(const AuthRequest& r, AuthDecision& out) {
  auto header = r.header("Authorization");
  if (!header || header->size() < 7 || ::strncasecmp(header->c_str(), "bearer ", 7) != 0) {
    out.outcome = WHARF_AUTH_UNAUTHENTICATED;
    out.challenge = challenge(r, "");
    out.message = "a bearer token is required";
    return;
  }
  std::string token = header->substr(7);
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  std::shared_ptr<const Keys> keys;
  {
    std::shared_lock lock(mutex_);
    keys = keys_;
  }
  std::string why;
  auto jwt = parseJwt(token, why);
  bool valid = jwt &&
               verifyJwtSignature(*jwt, keys->jwks ? &*keys->jwks : nullptr,
                                  keys->roots ? &*keys->roots : nullptr, why) &&
               checkClaims(jwt->claims, policy_, std::time(nullptr), why);
  if (!valid) {
    out.outcome = WHARF_AUTH_UNAUTHENTICATED;
    out.challenge = challenge(r, "invalid_token");
    out.message = "invalid token: " + why;
    return;
  }
  out.principal = subjectOf(jwt->claims);
  const uint32_t wanted = r.actions();
  out.granted = grantedByAccess(jwt->claims, r.resourceType(), r.resourceName()) & wanted;
  if (out.granted == wanted) {
    out.outcome = WHARF_AUTH_GRANTED;
    return;
  }
  out.outcome = WHARF_AUTH_DENIED;
  out.challenge = challenge(r, "insufficient_scope");
  out.message =
      "the token does not grant " + actionNames(wanted & ~out.granted) + " on " + r.resourceName();
}

}  // namespace wharf::auth

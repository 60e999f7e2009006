// TokenBackend: the auth-token plugin (Docker token authentication). Requests carry
// "Authorization: Bearer <JWT>" issued by an external token server; the JWT is verified with
// OpenSSL against a JWK set and/or an x5c chain rooted in a certificate bundle, its
// iss/aud/exp/nbf checked with leeway, and its access claim enforced per action. Without a
// sufficient token the answer is a challenge: Bearer realm=...,service=...,scope=...
// (error="invalid_token" or "insufficient_scope" where relevant).
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "jwk_set.hpp"
#include "token_claims.hpp"
#include "wharf/cpp/auth.hpp"
#include "x5c_chain.hpp"

namespace wharf::auth {

class TokenBackend : public AuthBackend {
 public:
  TokenBackend(const Config& config, const Host& host);

  void authorize(const AuthRequest& request, AuthDecision& out) override;
  void reload() override;

  // The challenge for a request (scope from its resource and actions; `error` may be empty).
  std::string challenge(const AuthRequest& r, const std::string& error) const;

 private:
  struct Keys {
    std::optional<JwkSet> jwks;
    std::optional<RootBundle> roots;
  };
  std::shared_ptr<const Keys> loadKeys() const;

  Host host_;
  std::string realm_;
  ClaimPolicy policy_;
  std::string jwks_file_, roots_file_;
  mutable std::shared_mutex mutex_;
  std::shared_ptr<const Keys> keys_;
};

}  // namespace wharf::auth

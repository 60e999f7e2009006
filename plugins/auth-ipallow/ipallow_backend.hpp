// IpAllowBackend: the auth-ipallow plugin. A client whose address lies in one of `networks` is
// granted `actions` on repositories matching `repositories`. Anyone else is refused without a
// challenge, so a chained backend (auth-htpasswd, auth-token) supplies the challenge.
#pragma once

#include <string>
#include <vector>

#include "wharf/cpp/auth.hpp"
#include "wharf/cpp/cidr.hpp"

namespace wharf::auth {

class IpAllowBackend : public AuthBackend {
 public:
  IpAllowBackend(const Config& config, const Host& host);
  void authorize(const AuthRequest& request, AuthDecision& out) override;

 private:
  CidrList networks_;
  uint32_t actions_;
  std::string repositories_;
};

}  // namespace wharf::auth

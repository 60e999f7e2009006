// AuthGate: asks the configured auth instances (the `auth` key, in order) whether a request may
// take some actions on a resource, and turns a refusal into 401 + challenge or 403 DENIED.
// Granted actions are the union of what the backends grant; without backends all is granted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wharf/cpp/auth.hpp"
#include "wharf/cpp/http_service.hpp"

namespace wharf::registry {

struct AuthOutcome {
  uint32_t granted = 0;
  bool anyGranted = false;     // some backend granted everything asked
  bool authenticated = false;  // some backend knows the principal
  std::string challenge;       // first challenge offered
  std::string message;
  std::string principal;
};

class AuthGate {
 public:
  AuthGate() = default;
  explicit AuthGate(std::vector<AuthClient> backends) : backends_(std::move(backends)) {}
  bool enabled() const { return !backends_.empty(); }

  AuthOutcome ask(Exchange& ex, const char* resource_type, const std::string& resource_name,
                  uint32_t actions) const;
  // Throws RegistryError UNAUTHORIZED (401 + challenge) or DENIED (403) unless every action in
  // `actions` is granted. actions == 0 asks only for authentication (GET /v2/).
  void require(Exchange& ex, const char* resource_type, const std::string& resource_name,
               uint32_t actions) const;
  // True when every action is granted; never throws for a refusal.
  bool allows(Exchange& ex, const char* resource_type, const std::string& resource_name,
              uint32_t actions) const;

 private:
  std::vector<AuthClient> backends_;
};

}  // namespace wharf::registry

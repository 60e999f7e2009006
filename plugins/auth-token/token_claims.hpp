// The claims of a Docker registry token: iss, aud, exp/nbf (with leeway) and the access list
// [{"type","name","actions"}] that grants actions per resource.
#pragma once

#include <cstdint>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

namespace wharf::auth {

struct ClaimPolicy {
  std::string issuer;
  std::string service;  // the audience
  int64_t leeway = 60;  // seconds
};

// True when iss, aud, exp and nbf are acceptable at `now`; otherwise false with `why`. Claims of
// the wrong JSON type (a numeric iss, a string exp) are refused, never converted.
bool checkClaims(const nlohmann::json& claims, const ClaimPolicy& policy, std::time_t now,
                 std::string& why);
// The wharf_auth_action bits the access claim grants on (type, name). A "registry" resource named
// "catalog" maps "*" to the catalog action.
uint32_t grantedByAccess(const nlohmann::json& claims, const std::string& type,
                         const std::string& name);
// "sub" or "".
std::string subjectOf(const nlohmann::json& claims);

}  // namespace wharf::auth

// The claims of a Docker registry token: iss, aud, exp/nbf (with leeway) and the access list
// [{"type","name","actions"}] that grants actions per resource.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <ctime>
#include <string>

namespace wharf::auth {

struct ClaimPolicy {
  std::string issuer;
  std::string service;  // the audience
  int64_t leeway = 60;  // seconds
};

// True when iss, aud, exp and nbf are acceptable at `now`; otherwise false with `why`.
bool checkClaims(const Poco::JSON::Object::Ptr& claims, const ClaimPolicy& policy, std::time_t now,
                 std::string& why);
// The wharf_auth_action bits the access claim grants on (type, name). A "registry" resource named
// "catalog" maps "*" to the catalog action.
uint32_t grantedByAccess(const Poco::JSON::Object::Ptr& claims, const std::string& type,
                         const std::string& name);
// "sub" or "".
std::string subjectOf(const Poco::JSON::Object::Ptr& claims);

}  // namespace wharf::auth

#include "token_claims.hpp"

#include <cmath>
#include <stdexcept>

#include "json_member.hpp"
#include "wharf/auth.h"

namespace wharf::auth {

namespace {

using Json = nlohmann::json;

bool audienceMatches(const Json& c, const std::string& service) {
  auto it = c.find("aud");
  if (it == c.end()) return false;
  if (it->is_string()) return it->get<std::string>() == service;
  if (!it->is_array()) return false;
  for (const Json& a : *it)
    if (a.is_string() && a.get<std::string>() == service) return true;
  return false;
}

// A NumericDate (RFC 7519: seconds, possibly fractional). Absent: false with out untouched;
// present and not a finite number in range: throws.
bool numericClaim(const Json& c, const char* name, int64_t& out) {
  auto it = c.find(name);
  if (it == c.end()) return false;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX})
      throw std::invalid_argument(std::string(name) + " out of range");
    out = it->get<int64_t>();
    return true;
  }
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 9e15)
      throw std::invalid_argument(std::string(name) + " out of range");
    out = static_cast<int64_t>(std::floor(d));
    return true;
  }
  throw std::invalid_argument(std::string(name) + " is not a number");
}

uint32_t actionBits(const std::string& word, const std::string& type) {
  if (word == "pull") return WHARF_ACTION_PULL;
  if (word == "push") return WHARF_ACTION_PUSH;
  if (word == "delete") return WHARF_ACTION_DELETE;
  if (word == "*")
    return type == "registry" ? WHARF_ACTION_CATALOG
                              : WHARF_ACTION_PULL | WHARF_ACTION_PUSH | WHARF_ACTION_DELETE;
  return 0;
}

}  // namespace

bool checkClaims(const Json& c, const ClaimPolicy& p, std::time_t now, std::string& why) {
  try {
    if (!c.is_object()) {
      why = "claims are not a JSON object";
      return false;
    }
    auto iss = stringMember(c, "iss");
    if (!iss || *iss != p.issuer) {
      why = "wrong issuer";
      return false;
    }
    if (!audienceMatches(c, p.service)) {
      why = "wrong audience";
      return false;
    }
    int64_t exp = 0, nbf = 0;
    if (!numericClaim(c, "exp", exp)) {
      why = "no exp claim";
      return false;
    }
    if (now > exp + p.leeway) {
      why = "token expired";
      return false;
    }
    if (numericClaim(c, "nbf", nbf) && now + p.leeway < nbf) {
      why = "token not valid yet";
      return false;
    }
  } catch (const std::exception& e) {
    why = std::string("malformed claims: ") + e.what();
    return false;
  }
  return true;
}

uint32_t grantedByAccess(const Json& c, const std::string& type, const std::string& name) {
  auto access = c.find("access");
  if (access == c.end() || !access->is_array()) return 0;
  uint32_t out = 0;
  for (const Json& entry : *access) {
    if (!entry.is_object()) continue;
    auto t = stringMember(entry, "type");
    auto n = stringMember(entry, "name");
    if (!t || !n || *t != type || *n != name) continue;
    auto actions = entry.find("actions");
    if (actions == entry.end() || !actions->is_array()) continue;
    for (const Json& a : *actions)
      if (a.is_string()) out |= actionBits(a.get<std::string>(), type);
  }
  return out;
}

std::string subjectOf(const Json& c) { return stringMember(c, "sub").value_or(""); }

}  // namespace wharf::auth

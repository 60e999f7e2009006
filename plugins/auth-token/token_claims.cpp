#include "token_claims.hpp"

#include <Poco/JSON/Array.h>

#include "wharf/auth.h"

namespace wharf::auth {

namespace {

bool audienceMatches(const Poco::JSON::Object::Ptr& c, const std::string& service) {
  if (!c->has("aud")) return false;
  if (auto arr = c->getArray("aud")) {
    for (size_t i = 0; i < arr->size(); ++i)
      if (arr->get(static_cast<unsigned>(i)).toString() == service) return true;
    return false;
  }
  return c->get("aud").toString() == service;
}

bool numericClaim(const Poco::JSON::Object::Ptr& c, const char* name, int64_t& out) {
  if (!c->has(name)) return false;
  auto v = c->get(name);
  if (!v.isNumeric()) return false;
  out = v.convert<Poco::Int64>();
  return true;
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

bool checkClaims(const Poco::JSON::Object::Ptr& c, const ClaimPolicy& p, std::time_t now,
                 std::string& why) {
  try {
    if (c->optValue<std::string>("iss", "") != p.issuer) {
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

uint32_t grantedByAccess(const Poco::JSON::Object::Ptr& c, const std::string& type,
                         const std::string& name) {
  uint32_t out = 0;
  try {
    auto access = c->getArray("access");
    if (!access) return 0;
    for (size_t i = 0; i < access->size(); ++i) {
      auto entry = access->getObject(static_cast<unsigned>(i));
      if (!entry || entry->optValue<std::string>("type", "") != type ||
          entry->optValue<std::string>("name", "") != name)
        continue;
      auto actions = entry->getArray("actions");
      for (size_t j = 0; actions && j < actions->size(); ++j)
        out |= actionBits(actions->get(static_cast<unsigned>(j)).toString(), type);
    }
  } catch (...) {
    return 0;
  }
  return out;
}

std::string subjectOf(const Poco::JSON::Object::Ptr& c) {
  try {
    return c->optValue<std::string>("sub", "");
  } catch (...) {
    return "";
  }
}

}  // namespace wharf::auth

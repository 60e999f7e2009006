#include "ipallow_backend.hpp"

#include <stdexcept>

#include "access_rules.hpp"

namespace wharf::auth {

IpAllowBackend::IpAllowBackend(const Config& config, const Host&)
    : repositories_(config.required("repositories")) {
  for (auto& n : config.list("networks")) {
    try {
      networks_.add(CidrBlock::parse(n));
    } catch (const std::invalid_argument& e) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "'" + n + "' is not a network (CIDR): " + e.what());
    }
  }
  if (networks_.empty()) throw Error(WHARF_ERR_INVALID_ARGUMENT, "'networks' lists no network");
  try {
    actions_ = parseActions(config.required("actions"));
  } catch (const std::invalid_argument& e) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, std::string("actions: ") + e.what());
  }
}

void IpAllowBackend::authorize(const AuthRequest& r, AuthDecision& out) {
  const std::string addr = r.clientAddr();
  const bool inside = networks_.allows(addr);
  const uint32_t wanted = r.actions();
  if (inside) {
    uint32_t may = 0;
    if (r.resourceType() == "registry")
      may = actions_ & WHARF_ACTION_CATALOG;
    else if (globMatch(repositories_, r.resourceName()))
      may = actions_ & ~static_cast<uint32_t>(WHARF_ACTION_CATALOG);
    out.granted = may & wanted;
    out.principal = "ip:" + addr;
    if (out.granted == wanted) {
      out.outcome = WHARF_AUTH_GRANTED;
      return;
    }
  }
  out.outcome = WHARF_AUTH_DENIED;
  out.message = inside ? "this network may not " + actionNames(wanted & ~out.granted)
                       : "client " + addr + " is not in an allowed network";
}

}  // namespace wharf::auth

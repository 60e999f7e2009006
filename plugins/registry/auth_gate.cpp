#include "auth_gate.hpp"

#include "errors.hpp"

namespace wharf::registry {

namespace {
struct HeaderCtx {
  Exchange* ex;
};
const char* lookupHeader(void* ctx, const char* name) {
  auto* c = static_cast<HeaderCtx*>(ctx);
  return c->ex->api()->header(c->ex->raw(), name);
}
}  // namespace

AuthOutcome AuthGate::ask(Exchange& ex, const char* resource_type, const std::string& resource_name,
                          uint32_t actions) const {
  AuthOutcome out;
  if (backends_.empty()) {
    out.granted = actions;
    out.anyGranted = out.authenticated = true;
    return out;
  }
  std::string method = ex.method(), path = ex.path(), client = ex.clientAddr();
  HeaderCtx ctx{&ex};
  wharf_auth_request req{};
  req.struct_size = sizeof req;
  req.method = method.c_str();
  req.path = path.c_str();
  req.client_addr = client.c_str();
  req.header = &lookupHeader;
  req.header_ctx = &ctx;
  req.resource_type = resource_type;
  req.resource_name = resource_name.c_str();
  req.actions = actions;
  for (auto& backend : backends_) {
    AuthDecision d;
    try {
      d = backend.authorize(req);
    } catch (const std::exception& e) {
      throw RegistryError(ErrorCode::Unavailable, 503, "authorization backend failed", e.what());
    }
    out.granted |= d.granted & actions;
    if (d.outcome == WHARF_AUTH_GRANTED) {
      out.anyGranted = true;
      out.authenticated = true;
      out.principal = d.principal;
    } else if (d.outcome == WHARF_AUTH_DENIED) {
      out.authenticated = true;
      if (out.principal.empty()) out.principal = d.principal;
    }
    if (d.outcome != WHARF_AUTH_GRANTED && out.challenge.empty() && !d.challenge.empty())
      out.challenge = d.challenge;
    if (out.message.empty() && !d.message.empty()) out.message = d.message;
    if (actions == 0 ? out.anyGranted : (out.granted & actions) == actions) break;
  }
  return out;
}

void AuthGate::require(Exchange& ex, const char* resource_type, const std::string& resource_name,
                       uint32_t actions) const {
  if (backends_.empty()) return;
  AuthOutcome o = ask(ex, resource_type, resource_name, actions);
  bool ok = actions == 0 ? o.anyGranted : (o.granted & actions) == actions;
  if (ok) return;
  std::string detail =
      std::string(resource_type) + ":" + resource_name + ":" + actionNames(actions);
  // A token backend refuses a known principal with a challenge: a new token may carry more scope.
  if (!o.authenticated || !o.challenge.empty()) {
    std::string msg = o.message.empty() ? defaultMessage(ErrorCode::Unauthorized) : o.message;
    throw RegistryError(ErrorCode::Unauthorized, 401, msg, detail).withChallenge(o.challenge);
  }
  std::string msg = o.message.empty() ? defaultMessage(ErrorCode::Denied) : o.message;
  throw RegistryError(ErrorCode::Denied, 403, msg, detail);
}

bool AuthGate::allows(Exchange& ex, const char* resource_type, const std::string& resource_name,
                      uint32_t actions) const {
  if (backends_.empty()) return true;
  return (ask(ex, resource_type, resource_name, actions).granted & actions) == actions;
}

}  // namespace wharf::registry

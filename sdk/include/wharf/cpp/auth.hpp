// Auth plugins in C++: the AuthBackend base class with WHARF_AUTH_PLUGIN, and AuthClient.
#pragma once

#include <cstring>
#include <optional>
#include <string>

#include "wharf/auth.h"
#include "wharf/cpp/plugin.hpp"

namespace wharf {

// Read-only view of a wharf_auth_request.
class AuthRequest {
 public:
  explicit AuthRequest(const wharf_auth_request* r) : r_(r) {}
  std::string method() const { return s(r_->method); }
  std::string path() const { return s(r_->path); }
  std::string clientAddr() const { return s(r_->client_addr); }
  std::string resourceType() const { return s(r_->resource_type); }
  std::string resourceName() const { return s(r_->resource_name); }
  uint32_t actions() const { return r_->actions; }
  std::optional<std::string> header(const char* name) const {
    if (!r_->header) return std::nullopt;
    const char* v = r_->header(r_->header_ctx, name);
    if (!v) return std::nullopt;
    return std::string(v);
  }
  const wharf_auth_request* raw() const { return r_; }

 private:
  static std::string s(const char* p) { return p ? p : ""; }
  const wharf_auth_request* r_;
};

// Copies `value` into a fixed decision field, truncating safely.
template <size_t N>
inline void set_field(char (&field)[N], const std::string& value) {
  size_t n = value.size() < N - 1 ? value.size() : N - 1;
  std::memcpy(field, value.data(), n);
  field[n] = '\0';
}

// Names of the action bits, "pull,push".
inline std::string action_names(uint32_t actions) {
  std::string out;
  auto add = [&](uint32_t bit, const char* name) {
    if (!(actions & bit)) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(WHARF_ACTION_PULL, "pull");
  add(WHARF_ACTION_PUSH, "push");
  add(WHARF_ACTION_DELETE, "delete");
  add(WHARF_ACTION_CATALOG, "*");
  return out;
}

class AuthBackend : public Instance {
 public:
  // Fill `out` (zeroed, struct_size set by the caller). Throw only when no decision is possible.
  virtual void authorize(const AuthRequest& request, wharf_auth_decision& out) = 0;

  static const wharf_auth_v1* table() {
    static const wharf_auth_v1 t = [] {
      wharf_auth_v1 t{};
      t.struct_size = sizeof(wharf_auth_v1);
      t.authorize = [](void* inst, const wharf_auth_request* req, wharf_auth_decision* out,
                       wharf_error** err) {
        return detail::guard(
            err, [&] { static_cast<AuthBackend*>(inst)->authorize(AuthRequest(req), *out); });
      };
      return t;
    }();
    return &t;
  }
};

class AuthClient {
 public:
  AuthClient() = default;
  AuthClient(const wharf_auth_v1* t, void* inst) : t_(t), inst_(inst) {}
  static AuthClient lookup(const Host& host, const std::string& name) {
    auto [t, i] = host.lookup(name, WHARF_KIND_AUTH);
    return AuthClient(static_cast<const wharf_auth_v1*>(t), i);
  }
  explicit operator bool() const { return t_ != nullptr; }

  wharf_auth_decision authorize(const wharf_auth_request& req) const {
    wharf_auth_decision d{};
    d.struct_size = sizeof(d);
    wharf_error* err = nullptr;
    check(t_->authorize(inst_, &req, &d, &err), err, "authorize");
    return d;
  }

 private:
  const wharf_auth_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

}  // namespace wharf

#define WHARF_AUTH_PLUGIN(Class, Name, Version, Description, Keys) \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::AuthBackend, WHARF_KIND_AUTH, Name, Version, Description, Keys)

// Auth plugins in C++: the AuthBackend base class with WHARF_AUTH_PLUGIN, and AuthClient.
#pragma once

#include <cstddef>
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

// What an auth backend decided about one request.
struct AuthDecision {
  wharf_auth_outcome outcome = WHARF_AUTH_GRANTED;
  uint32_t granted = 0;   // the subset of wanted actions granted
  std::string principal;  // user or subject name; "" for anonymous
  std::string challenge;  // WWW-Authenticate value to send with 401 ("" = none)
  std::string message;    // why, for the error body and the log
};

namespace detail {

// Copies `value` into a fixed ABI 1.0 decision field, truncating safely.
template <size_t N>
inline void copyField(char (&field)[N], const std::string& value) {
  size_t n = value.size() < N - 1 ? value.size() : N - 1;
  std::memcpy(field, value.data(), n);
  field[n] = '\0';
}

inline wharf_auth_result resultSink(AuthDecision& d) {
  wharf_auth_result r{};
  r.struct_size = sizeof r;
  r.ctx = &d;
  r.set_outcome = [](void* ctx, wharf_auth_outcome outcome, uint32_t granted) {
    static_cast<AuthDecision*>(ctx)->outcome = outcome;
    static_cast<AuthDecision*>(ctx)->granted = granted;
  };
  r.set_principal = [](void* ctx, const char* v) {
    static_cast<AuthDecision*>(ctx)->principal = v ? v : "";
  };
  r.set_challenge = [](void* ctx, const char* v) {
    static_cast<AuthDecision*>(ctx)->challenge = v ? v : "";
  };
  r.set_message = [](void* ctx, const char* v) {
    static_cast<AuthDecision*>(ctx)->message = v ? v : "";
  };
  return r;
}

}  // namespace detail

// Names of the action bits, "pull,push".
inline std::string actionNames(uint32_t actions) {
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
  // Fill `out` (default-constructed by the caller). Throw only when no decision is possible.
  virtual void authorize(const AuthRequest& request, AuthDecision& out) = 0;

  static const wharf_auth_v1* table() {
    static const wharf_auth_v1 t = [] {
      wharf_auth_v1 t{};
      t.struct_size = sizeof(wharf_auth_v1);
      t.authorize = [](void* inst, const wharf_auth_request* req, wharf_auth_decision* out,
                       wharf_error** err) {
        return detail::guard(err, [&] {
          AuthDecision d;
          static_cast<AuthBackend*>(inst)->authorize(AuthRequest(req), d);
          out->outcome = d.outcome;
          out->granted = d.granted;
          detail::copyField(out->principal, d.principal);
          detail::copyField(out->challenge, d.challenge);
          detail::copyField(out->message, d.message);
        });
      };
      t.decide = [](void* inst, const wharf_auth_request* req, const wharf_auth_result* out,
                    wharf_error** err) {
        return detail::guard(err, [&] {
          AuthDecision d;
          static_cast<AuthBackend*>(inst)->authorize(AuthRequest(req), d);
          out->set_outcome(out->ctx, d.outcome, d.granted);
          if (!d.principal.empty()) out->set_principal(out->ctx, d.principal.c_str());
          if (!d.challenge.empty()) out->set_challenge(out->ctx, d.challenge.c_str());
          if (!d.message.empty()) out->set_message(out->ctx, d.message.c_str());
        });
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

  // Through `decide` where the backend has it (ABI 1.1), else through ABI 1.0's fixed fields.
  AuthDecision authorize(const wharf_auth_request& req) const {
    AuthDecision d;
    wharf_error* err = nullptr;
    if (t_->struct_size >= offsetof(wharf_auth_v1, decide) + sizeof(t_->decide) && t_->decide) {
      wharf_auth_result sink = detail::resultSink(d);
      check(t_->decide(inst_, &req, &sink, &err), err, "authorize");
      return d;
    }
    wharf_auth_decision fixed{};
    fixed.struct_size = sizeof(fixed);
    check(t_->authorize(inst_, &req, &fixed, &err), err, "authorize");
    d.outcome = fixed.outcome;
    d.granted = fixed.granted;
    d.principal.assign(fixed.principal, strnlen(fixed.principal, sizeof fixed.principal));
    d.challenge.assign(fixed.challenge, strnlen(fixed.challenge, sizeof fixed.challenge));
    d.message.assign(fixed.message, strnlen(fixed.message, sizeof fixed.message));
    return d;
  }

 private:
  const wharf_auth_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

}  // namespace wharf

#define WHARF_AUTH_PLUGIN(Class, Name, Version, Description, Keys) \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::AuthBackend, WHARF_KIND_AUTH, Name, Version, Description, Keys)

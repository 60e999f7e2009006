// Auth decisions cross the ABI whole: a Bearer challenge of any length reaches the caller through
// wharf_auth_v1.decide (ABI 1.1); a backend without it still answers through 1.0's fixed fields.
#include <gtest/gtest.h>

#include "wharf/cpp/auth.hpp"

namespace {

class LongChallenge : public wharf::AuthBackend {
 public:
  void authorize(const wharf::AuthRequest& r, wharf::AuthDecision& out) override {
    out.outcome = WHARF_AUTH_UNAUTHENTICATED;
    out.granted = r.actions() & WHARF_ACTION_PULL;
    out.principal = std::string(300, 'p');
    out.challenge =
        "Bearer realm=\"https://auth.example/token\",scope=\"repository:" + r.resourceName() +
        ":pull,push\"";
    out.message = std::string(600, 'm');
  }
};

wharf_auth_request request(const std::string& name) {
  wharf_auth_request req{};
  req.struct_size = sizeof req;
  req.method = "GET";
  req.path = "/v2/";
  req.client_addr = "127.0.0.1";
  req.resource_type = "repository";
  req.resource_name = name.c_str();
  req.actions = WHARF_ACTION_PULL | WHARF_ACTION_PUSH;
  return req;
}

}  // namespace

TEST(AuthDecision, LongStringsCrossTheAbiWhole) {
  LongChallenge backend;
  const std::string name(2000, 'r');
  wharf::AuthClient client(wharf::AuthBackend::table(), &backend);
  wharf::AuthDecision d = client.authorize(request(name));
  EXPECT_EQ(d.outcome, WHARF_AUTH_UNAUTHENTICATED);
  EXPECT_EQ(d.granted, static_cast<uint32_t>(WHARF_ACTION_PULL));
  EXPECT_EQ(d.principal, std::string(300, 'p'));
  EXPECT_EQ(d.message, std::string(600, 'm'));
  EXPECT_GT(d.challenge.size(), 2000u);
  EXPECT_TRUE(d.challenge.ends_with(name + ":pull,push\""));
}

TEST(AuthDecision, AnAbi10BackendAnswersThroughTheFixedFields) {
  LongChallenge backend;
  wharf_auth_v1 old = *wharf::AuthBackend::table();
  old.struct_size = offsetof(wharf_auth_v1, decide);  // a table built before ABI 1.1
  wharf::AuthClient client(&old, &backend);
  wharf::AuthDecision d = client.authorize(request("library/alpine"));
  EXPECT_EQ(d.outcome, WHARF_AUTH_UNAUTHENTICATED);
  EXPECT_EQ(d.principal.size(), 127u);  // ABI 1.0 truncates: why `decide` exists
  EXPECT_TRUE(d.challenge.ends_with("library/alpine:pull,push\""));
}

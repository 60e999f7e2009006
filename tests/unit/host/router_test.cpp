#include "http/router.hpp"

#include <gtest/gtest.h>

using namespace wharf::host;

namespace {
RouteHandler noop() {
  return [](HttpExchange&) {};
}
}  // namespace

TEST(Router, LongestMatchWins) {
  Router r;
  r.add("/v2/", "registry", noop());
  r.add("/health", "host", noop(), true);
  r.add("/v1", "api", noop());
  ASSERT_NE(r.match("/v2/library/alpine/manifests/latest"), nullptr);
  EXPECT_EQ(r.match("/v2/x")->owner, "registry");
  EXPECT_EQ(r.match("/v2/")->owner, "registry");
  EXPECT_EQ(r.match("/v2"), nullptr);  // "/v2/" claims below /v2 only
  EXPECT_EQ(r.match("/v1")->owner, "api");
  EXPECT_EQ(r.match("/v1/models")->owner, "api");
  EXPECT_EQ(r.match("/v1models"), nullptr);
  EXPECT_EQ(r.match("/healthz"), nullptr);
  EXPECT_EQ(r.match("/health")->owner, "host");
}

TEST(Router, OverlappingClaimsAreRefused) {
  Router r;
  r.add("/v2/", "registry", noop());
  EXPECT_THROW(r.add("/v2/", "other", noop()), RouteConflict);
  EXPECT_THROW(r.add("/v2/foo", "other", noop()), RouteConflict);
  EXPECT_THROW(r.add("/v2", "other", noop()), RouteConflict);
  EXPECT_THROW(r.add("/", "catch-all", noop()), RouteConflict);
  EXPECT_NO_THROW(r.add("/v20", "other", noop()));
  try {
    r.add("/v2/x/y", "late", noop());
    FAIL();
  } catch (const RouteConflict& e) {
    EXPECT_NE(std::string(e.what()).find("late"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("registry"), std::string::npos);
  }
}

TEST(Router, ClaimsMustBeAbsolute) {
  Router r;
  EXPECT_THROW(r.add("v2/", "x", noop()), std::invalid_argument);
}

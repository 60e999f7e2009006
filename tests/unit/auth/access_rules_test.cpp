#include "access_rules.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "wharf/auth.h"

using namespace wharf::auth;

TEST(AccessRules, UnionOfMatchingLines) {
  auto rules = AccessRules::parse(
      "# comment\n"
      "alice * pull,push,delete,catalog\n"
      "bob team/* pull,push   # trailing comment\n"
      "* public/* pull\n"
      "anonymous open/* pull\n");
  EXPECT_EQ(rules.granted("alice", "repository", "x/y"),
            WHARF_ACTION_PULL | WHARF_ACTION_PUSH | WHARF_ACTION_DELETE);
  EXPECT_EQ(rules.granted("alice", "registry", "catalog"), WHARF_ACTION_CATALOG);
  EXPECT_EQ(rules.granted("bob", "repository", "team/a/b"), WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  EXPECT_EQ(rules.granted("bob", "repository", "public/x"), WHARF_ACTION_PULL);
  EXPECT_EQ(rules.granted("bob", "repository", "other"), 0u);
  EXPECT_EQ(rules.granted("bob", "registry", "catalog"), 0u);
  EXPECT_EQ(rules.granted("", "repository", "open/x"), WHARF_ACTION_PULL);
  EXPECT_EQ(rules.granted("", "repository", "public/x"), 0u);  // '*' is authenticated users
}

TEST(AccessRules, Errors) {
  EXPECT_THROW(AccessRules::parse("alice *\n"), std::invalid_argument);
  EXPECT_THROW(AccessRules::parse("alice * fly\n"), std::invalid_argument);
  EXPECT_THROW(AccessRules::parse("alice * pull extra\n"), std::invalid_argument);
}

TEST(AccessRules, GlobCrossesSlashes) {
  EXPECT_TRUE(globMatch("team/*", "team/a/b"));
  EXPECT_TRUE(globMatch("*/app", "x/y/app"));
  EXPECT_FALSE(globMatch("team/*", "teams/a"));
}

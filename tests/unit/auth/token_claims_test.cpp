#include "token_claims.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "wharf/auth.h"

using namespace wharf::auth;

namespace {
nlohmann::json json(const std::string& s) { return nlohmann::json::parse(s); }
const ClaimPolicy kPolicy{"issuer", "svc", 60};
}  // namespace

TEST(TokenClaims, TimeWindowWithLeeway) {
  std::string why;
  auto c = json(R"({"iss":"issuer","aud":"svc","exp":1000,"nbf":500})");
  EXPECT_TRUE(checkClaims(c, kPolicy, 700, why));
  EXPECT_TRUE(checkClaims(c, kPolicy, 1059, why));   // within the leeway after exp
  EXPECT_FALSE(checkClaims(c, kPolicy, 1061, why));  // expired
  EXPECT_TRUE(checkClaims(c, kPolicy, 441, why));    // within the leeway before nbf
  EXPECT_FALSE(checkClaims(c, kPolicy, 439, why));   // not valid yet
  EXPECT_FALSE(checkClaims(json(R"({"iss":"issuer","aud":"svc"})"), kPolicy, 700, why));  // no exp
}

TEST(TokenClaims, IssuerAndAudience) {
  std::string why;
  EXPECT_FALSE(checkClaims(json(R"({"iss":"x","aud":"svc","exp":9e9})"), kPolicy, 1, why));
  EXPECT_FALSE(checkClaims(json(R"({"iss":"issuer","aud":"x","exp":9e9})"), kPolicy, 1, why));
  EXPECT_TRUE(
      checkClaims(json(R"({"iss":"issuer","aud":["x","svc"],"exp":9e9})"), kPolicy, 1, why));
}

TEST(TokenClaims, AccessPerResource) {
  auto c = json(R"({"access":[
      {"type":"repository","name":"a/b","actions":["pull","push"]},
      {"type":"repository","name":"c","actions":["*"]},
      {"type":"registry","name":"catalog","actions":["*"]}]})");
  EXPECT_EQ(grantedByAccess(c, "repository", "a/b"), WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  EXPECT_EQ(grantedByAccess(c, "repository", "c"),
            WHARF_ACTION_PULL | WHARF_ACTION_PUSH | WHARF_ACTION_DELETE);
  EXPECT_EQ(grantedByAccess(c, "repository", "a"), 0u);
  EXPECT_EQ(grantedByAccess(c, "registry", "catalog"), WHARF_ACTION_CATALOG);
  EXPECT_EQ(grantedByAccess(json("{}"), "repository", "a/b"), 0u);
}

TEST(TokenClaims, WrongTypesAreRefusedNotConverted) {
  std::string why;
  // A string exp, a numeric iss, a non-numeric nbf: malformed, not converted.
  EXPECT_FALSE(
      checkClaims(json(R"({"iss":"issuer","aud":"svc","exp":"9999999999"})"), kPolicy, 1, why));
  EXPECT_FALSE(checkClaims(json(R"({"iss":5,"aud":"svc","exp":9e9})"), kPolicy, 1, why));
  EXPECT_FALSE(
      checkClaims(json(R"({"iss":"issuer","aud":"svc","exp":9e9,"nbf":"0"})"), kPolicy, 1, why));
  EXPECT_FALSE(checkClaims(json(R"({"iss":"issuer","aud":[5],"exp":9e9})"), kPolicy, 1, why));
  EXPECT_FALSE(checkClaims(json(R"({"iss":"issuer","aud":"svc","exp":1e300})"), kPolicy, 1, why));
  EXPECT_EQ(grantedByAccess(json(R"({"access":[{"type":"repository","name":"a","actions":[1]}]})"),
                            "repository", "a"),
            0u);
  EXPECT_EQ(subjectOf(json(R"({"sub":5})")), "");
}

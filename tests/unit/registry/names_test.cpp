#include "names.hpp"

#include <gtest/gtest.h>

#include <string>

using wharf::registry::isValidRepositoryName;
using wharf::registry::isValidTag;

TEST(RepositoryName, AcceptsSpecExamples) {
  for (const char* n : {"a", "library/alpine", "a-b", "a--b", "a.b", "a_b", "a__b", "0",
                        "my.registry_name/sub-path/x9", "a/b/c/d/e/f"})
    EXPECT_TRUE(isValidRepositoryName(n)) << n;
}

TEST(RepositoryName, RejectsBadNames) {
  for (const char* n :
       {"",   "A",  "Library/alpine", "a/",   "/a",   "a//b", "..",    "a/../b", "a/./b", "-a",
        "a-", "a_", "a___b",          "a..b", "a._b", ".a",   "a%2fb", "a b",    "a:b",   "a/B",
        "é"})
    EXPECT_FALSE(isValidRepositoryName(n)) << n;
}

TEST(RepositoryName, LengthLimit) {
  EXPECT_TRUE(isValidRepositoryName(std::string(255, 'a')));
  EXPECT_FALSE(isValidRepositoryName(std::string(256, 'a')));
}

TEST(Tag, Grammar) {
  for (const char* t : {"latest", "v1.0", "_x", "A-b.c_d", "9"}) EXPECT_TRUE(isValidTag(t)) << t;
  for (const char* t : {"", ".x", "-x", "a/b", "a:b", "a b"}) EXPECT_FALSE(isValidTag(t)) << t;
  EXPECT_TRUE(isValidTag(std::string(128, 'a')));
  EXPECT_FALSE(isValidTag(std::string(129, 'a')));
}

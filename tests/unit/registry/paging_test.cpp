#include "paging.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"

using namespace wharf::registry;

TEST(Paging, PagesThroughAll) {
  std::vector<std::string> all = {"a", "b", "c", "d", "e"};
  Page p = takePage(all, {2, ""});
  EXPECT_EQ(p.items, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(p.more);
  p = takePage(all, {2, "b"});
  EXPECT_EQ(p.items, (std::vector<std::string>{"c", "d"}));
  p = takePage(all, {2, "d"});
  EXPECT_EQ(p.items, (std::vector<std::string>{"e"}));
  EXPECT_FALSE(p.more);
  p = takePage(all, {std::nullopt, "bb"});  // `last` need not be an entry
  EXPECT_EQ(p.items, (std::vector<std::string>{"c", "d", "e"}));
  p = takePage(all, {0, ""});
  EXPECT_TRUE(p.items.empty());
  EXPECT_FALSE(p.more);
  p = takePage(all, {5, ""});
  EXPECT_FALSE(p.more);
}

TEST(Paging, PageSize) {
  EXPECT_FALSE(parsePageSize(std::nullopt));
  EXPECT_EQ(*parsePageSize(std::string("10")), 10u);
  for (const char* bad : {"", "-1", "x", "1.5", "10x"})
    EXPECT_THROW(parsePageSize(std::string(bad)), RegistryError) << bad;
}

TEST(Paging, Link) {
  EXPECT_EQ(nextLink("/v2/a/tags/list", 2, "v 1"),
            "</v2/a/tags/list?last=v%201&n=2>; rel=\"next\"");
}

#include "config/value_parsers.hpp"

#include <gtest/gtest.h>

using namespace wharf::host;

TEST(ValueParsers, Booleans) {
  EXPECT_TRUE(parse_bool("true"));
  EXPECT_TRUE(parse_bool(" Yes "));
  EXPECT_TRUE(parse_bool("on"));
  EXPECT_FALSE(parse_bool("0"));
  EXPECT_FALSE(parse_bool("off"));
  EXPECT_THROW(parse_bool("maybe"), std::invalid_argument);
}

TEST(ValueParsers, Sizes) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("64K"), 64u * 1024);
  EXPECT_EQ(parse_size("16M"), 16u * 1024 * 1024);
  EXPECT_EQ(parse_size("1GiB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(parse_size("2 GB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_size("1.5K"), 1536u);
  EXPECT_THROW(parse_size("12Q"), std::invalid_argument);
  EXPECT_THROW(parse_size("M"), std::invalid_argument);
  EXPECT_THROW(parse_size("-1"), std::invalid_argument);
}

TEST(ValueParsers, Durations) {
  EXPECT_DOUBLE_EQ(parse_duration("30"), 30);
  EXPECT_DOUBLE_EQ(parse_duration("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(parse_duration("5m"), 300);
  EXPECT_DOUBLE_EQ(parse_duration("2h"), 7200);
  EXPECT_DOUBLE_EQ(parse_duration("1d"), 86400);
  EXPECT_THROW(parse_duration("10 parsecs"), std::invalid_argument);
}

TEST(ValueParsers, Endpoints) {
  auto a = parse_endpoint("127.0.0.1:5000");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 5000);
  auto b = parse_endpoint("[::1]:8080");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.str(), "[::1]:8080");
  auto c = parse_endpoint(":9100");
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_THROW(parse_endpoint("localhost"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("1.2.3.4:70000"), std::invalid_argument);
  EXPECT_THROW(parse_endpoint("::1:80"), std::invalid_argument);
}

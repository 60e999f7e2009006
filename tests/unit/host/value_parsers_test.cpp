#include "config/value_parsers.hpp"

#include <gtest/gtest.h>

using namespace wharf::host;

TEST(ValueParsers, Booleans) {
  EXPECT_TRUE(parseBool("true"));
  EXPECT_TRUE(parseBool(" Yes "));
  EXPECT_TRUE(parseBool("on"));
  EXPECT_FALSE(parseBool("0"));
  EXPECT_FALSE(parseBool("off"));
  EXPECT_THROW(parseBool("maybe"), std::invalid_argument);
}

TEST(ValueParsers, Sizes) {
  EXPECT_EQ(parseSize("512"), 512u);
  EXPECT_EQ(parseSize("64K"), 64u * 1024);
  EXPECT_EQ(parseSize("16M"), 16u * 1024 * 1024);
  EXPECT_EQ(parseSize("1GiB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(parseSize("2 GB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parseSize("1.5K"), 1536u);
  EXPECT_THROW(parseSize("12Q"), std::invalid_argument);
  EXPECT_THROW(parseSize("M"), std::invalid_argument);
  EXPECT_THROW(parseSize("-1"), std::invalid_argument);
}

TEST(ValueParsers, Durations) {
  EXPECT_DOUBLE_EQ(parseDuration("30"), 30);
  EXPECT_DOUBLE_EQ(parseDuration("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(parseDuration("5m"), 300);
  EXPECT_DOUBLE_EQ(parseDuration("2h"), 7200);
  EXPECT_DOUBLE_EQ(parseDuration("1d"), 86400);
  EXPECT_THROW(parseDuration("10 parsecs"), std::invalid_argument);
}

TEST(ValueParsers, Endpoints) {
  auto a = parseEndpoint("127.0.0.1:5000");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 5000);
  auto b = parseEndpoint("[::1]:8080");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.str(), "[::1]:8080");
  auto c = parseEndpoint(":9100");
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_THROW(parseEndpoint("localhost"), std::invalid_argument);
  EXPECT_THROW(parseEndpoint("1.2.3.4:70000"), std::invalid_argument);
  EXPECT_THROW(parseEndpoint("::1:80"), std::invalid_argument);
}

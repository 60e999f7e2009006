#include "timestamps.hpp"

#include <gtest/gtest.h>

using namespace wharf::registry;

TEST(Rfc3339, RoundTripAndOffsets) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:10Z"), 10);
  EXPECT_EQ(*parseRfc3339("2023-05-01T12:00:00.123456789Z"), *parseRfc3339("2023-05-01T12:00:00Z"));
  EXPECT_EQ(*parseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:00-00:30"), 1800);
  EXPECT_FALSE(parseRfc3339("yesterday"));
  EXPECT_FALSE(parseRfc3339("1970-01-01T00:00:00"));
}

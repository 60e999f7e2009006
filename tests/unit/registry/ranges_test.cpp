#include "ranges.hpp"

#include <gtest/gtest.h>

using namespace wharf::registry;

TEST(RangeHeader, Forms) {
  auto r = parseRangeHeader("bytes=10-19", 100);
  EXPECT_EQ(r.kind, RangeKind::Partial);
  EXPECT_EQ(r.range.start, 10u);
  EXPECT_EQ(r.range.end, 19u);
  r = parseRangeHeader("bytes=90-", 100);
  EXPECT_EQ(r.range.start, 90u);
  EXPECT_EQ(r.range.end, 99u);
  r = parseRangeHeader("bytes=-5", 100);
  EXPECT_EQ(r.range.start, 95u);
  EXPECT_EQ(r.range.end, 99u);
  r = parseRangeHeader("bytes=-500", 100);
  EXPECT_EQ(r.range.start, 0u);
  r = parseRangeHeader("bytes=50-5000", 100);
  EXPECT_EQ(r.range.end, 99u);
}

TEST(RangeHeader, Unsatisfiable) {
  EXPECT_EQ(parseRangeHeader("bytes=100-", 100).kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(parseRangeHeader("bytes=200-300", 100).kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(parseRangeHeader("bytes=-0", 100).kind, RangeKind::Unsatisfiable);
  EXPECT_EQ(parseRangeHeader("bytes=0-", 0).kind, RangeKind::Unsatisfiable);
}

TEST(RangeHeader, IgnoredForms) {
  for (const char* h : {"", "items=0-1", "bytes=0-1,5-6", "bytes=a-b", "bytes=5-1", "bytes"})
    EXPECT_EQ(parseRangeHeader(h, 100).kind, RangeKind::Whole) << h;
}

TEST(ContentRange, Forms) {
  auto r = parseContentRange("0-1023");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->length(), 1024u);
  EXPECT_TRUE(parseContentRange("bytes 5-9/100"));
  EXPECT_TRUE(parseContentRange("bytes=5-9"));
  EXPECT_EQ(parseContentRange(" 7-7 ")->length(), 1u);
  for (const char* h : {"", "5", "9-5", "a-b", "-5", "5-"}) EXPECT_FALSE(parseContentRange(h)) << h;
}

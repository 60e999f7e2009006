#include "wharf/cpp/json_string.hpp"

#include <gtest/gtest.h>

#include <string>

TEST(JsonString, EscapesAndKeepsValidUtf8) {
  EXPECT_EQ(wharf::json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(wharf::json_string("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"),
            "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"");
}

TEST(JsonString, ReplacesEachByteOfAnInvalidSequence) {
  // A client's overlong "%c0%ae" echoed in an error made the body invalid UTF-8.
  EXPECT_EQ(wharf::json_string("\xc0\xae"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(wharf::json_string("a\x80z"), "\"a\xef\xbf\xbdz\"");
  EXPECT_EQ(wharf::json_string("\xe0\x80\xae"),
            "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // overlong
  EXPECT_EQ(wharf::json_string("\xed\xa0\x80"),
            "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
  EXPECT_EQ(wharf::json_string("\xf4\x90\x80\x80"),
            "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");          // beyond U+10FFFF
  EXPECT_EQ(wharf::json_string("\xe2\x82"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // truncated
}

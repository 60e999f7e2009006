#include "base64.hpp"

#include <gtest/gtest.h>

using namespace wharf::auth;

TEST(Base64, RoundTrips) {
  for (std::string s : {std::string(), std::string("f"), std::string("fo"), std::string("foo"),
                        std::string("foob"), std::string("\xff\xfe\x00z", 4)}) {
    EXPECT_EQ(*base64Decode(base64Encode(s)), s);
    EXPECT_EQ(*base64UrlDecode(base64UrlEncode(s)), s);
  }
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64Decode("a"));
  EXPECT_FALSE(base64Decode("ab$d"));
  EXPECT_FALSE(base64UrlDecode("ab+d"));
}

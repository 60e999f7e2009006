#include <gtest/gtest.h>

#include <string>

#include "wharf/cpp/json.hpp"

namespace {

std::string text(const std::string& s) { return wharf::toJsonText(wharf::Json(s)); }
const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

TEST(JsonText, EscapesAndKeepsValidUtf8) {
  EXPECT_EQ(text("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(text("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"),
            "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"");
}

TEST(JsonText, ReplacesInvalidUtf8AndStaysValidJson) {
  // A client's overlong "%c0%ae" echoed in an error made the body invalid UTF-8.
  const std::pair<std::string, std::string> cases[] = {
      {"\xc0\xae", kReplacement + kReplacement},
      {"a\x80z", "a" + kReplacement + "z"},
      {"\xe0\x80\xae", kReplacement + kReplacement + kReplacement},  // overlong
      {"\xed\xa0\x80", kReplacement + kReplacement + kReplacement},  // surrogate
      {"\xf4\x90\x80\x80",
       kReplacement + kReplacement + kReplacement + kReplacement},  // > U+10FFFF
      {"\xe2\x82", kReplacement},                                   // truncated at the end
  };
  for (const auto& [raw, replaced] : cases) {
    const std::string out = text(raw);
    EXPECT_EQ(out, "\"" + replaced + "\"");
    EXPECT_EQ(wharf::Json::parse(out).get<std::string>(), replaced);  // a strict parser accepts it
  }
}

TEST(JsonText, MembersInOrderWrittenNumbersKeepTheirType) {
  const wharf::Json j = {{"z", 1}, {"a", 1.0}, {"m", -2}, {"f", 0.1}};
  EXPECT_EQ(wharf::toJsonText(j), R"({"z":1,"a":1.0,"m":-2,"f":0.1})");
  EXPECT_EQ(wharf::toJsonText(wharf::Json::parse(R"({"b":2,"a":2.0})")), R"({"b":2,"a":2.0})");
}

TEST(JsonText, MemberHelpersNeverThrowOnAbsentOrWrongTypes) {
  const wharf::Json j = {{"s", "x"}, {"b", true}, {"n", 3}};
  ASSERT_NE(wharf::jsonMember(j, "s"), nullptr);
  EXPECT_EQ(wharf::jsonMember(j, "missing"), nullptr);
  EXPECT_EQ(wharf::jsonMember(wharf::Json::array({1}), "s"), nullptr);
  EXPECT_TRUE(wharf::jsonMemberOrNull(j, "missing").is_null());
  EXPECT_EQ(wharf::jsonStringOr(j["s"]), "x");
  EXPECT_EQ(wharf::jsonStringOr(j["n"], "fallback"), "fallback");
  EXPECT_TRUE(wharf::jsonBoolOr(j["b"], false));
  EXPECT_FALSE(wharf::jsonBoolOr(j["s"], false));
}

}  // namespace

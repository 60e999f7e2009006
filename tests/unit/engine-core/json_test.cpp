#include "engine/json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

std::string nested(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(EngineJson, DepthLimitRefusesWithInvalidArgument) {
  EXPECT_NO_THROW(parseJson<Json>(nested(kMaxJsonDepth)));
  for (const std::string& text : {nested(kMaxJsonDepth + 1), std::string(100000, '['),
                                  R"({"a":)" + nested(kMaxJsonDepth + 1) + "}"}) {
    try {
      parseJson<JsonDocument>(text);
      ADD_FAILURE() << "accepted " << text.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), WHARF_ERR_INVALID_ARGUMENT);
      EXPECT_NE(std::string(e.what()).find("nested"), std::string::npos) << e.what();
    }
  }
}

TEST(EngineJson, MalformedTextNamesTheByte) {
  for (const char* text : {"{\"a\":1,}", "[1 2]", "\"\xff\"", "", "{\"a\":1} x"}) {
    try {
      parseJson<Json>(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), WHARF_ERR_INVALID_ARGUMENT);
      EXPECT_NE(std::string(e.what()).find("invalid JSON at byte"), std::string::npos) << e.what();
    }
  }
}

TEST(EngineJson, MessagesKeepMemberOrderDocumentsFindMembersSorted) {
  const Json m = parseJson<Json>(R"({"role":"user","content":"hi","b":1,"a":2})");
  EXPECT_EQ(toJsonText(m), R"({"role":"user","content":"hi","b":1,"a":2})");
  // A vocabulary-sized object: sorted members, found by key.
  std::string vocab = "{";
  for (int i = 0; i < 150000; ++i)
    vocab += (i ? ",\"t" : "\"t") + std::to_string(i) + "\":" + std::to_string(i);
  const JsonDocument d = parseJson<JsonDocument>(vocab + "}");
  EXPECT_EQ(d.size(), 150000u);
  EXPECT_EQ(jsonMemberOrNull(d, "t149999").get<int64_t>(), 149999);
}

}  // namespace
}  // namespace wharf::engine

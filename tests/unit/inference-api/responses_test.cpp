// The OpenAI response bodies: whole completions and chat completions, their streaming chunks and
// the usage chunk, read back as JSON and checked field by field.
#include "responses.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace wharf::inference {
namespace {

using nlohmann::json;

ResponseWriter writer(bool chat) {
  return ResponseWriter(chat, chat ? "chatcmpl-1" : "cmpl-1", 1700000000, "smollm2",
                        [](int32_t t) { return "t" + std::to_string(t); });
}

}  // namespace

TEST(Responses, CompletionWithUsageAndLogprobs) {
  ChoiceResult c;
  c.text = "ab";
  c.finish_reason = "length";
  c.completion_tokens = 2;
  c.logprobs = {{1, -0.25f, {{1, -0.25f}, {2, -1.5f}}}, {22, -0.5f, {}}};
  json j = json::parse(writer(false).full({c}, Usage{5, 2, 1}));
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["id"], "cmpl-1");
  EXPECT_EQ(j["created"], 1700000000);
  EXPECT_EQ(j["model"], "smollm2");
  const json& choice = j["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["text"], "ab");
  EXPECT_EQ(choice["finish_reason"], "length");
  EXPECT_TRUE(choice["stop_reason"].is_null());
  EXPECT_EQ(choice["logprobs"]["tokens"], json({"t1", "t22"}));
  EXPECT_EQ(choice["logprobs"]["text_offset"], json({0, 2}));  // "t1" is 2 bytes
  EXPECT_EQ(choice["logprobs"]["token_logprobs"][1], -0.5);
  EXPECT_EQ(choice["logprobs"]["top_logprobs"][0]["t2"], -1.5);
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["completion_tokens"], 2);
  EXPECT_EQ(j["usage"]["total_tokens"], 7);
  EXPECT_EQ(j["usage"]["prompt_tokens_details"]["cached_tokens"], 1);
}

TEST(Responses, ChatCompletionAndItsChunks) {
  ChoiceResult c;
  c.text = "Hello \"world\"\n";
  c.finish_reason = "stop";
  c.stop_reason = "</s>";
  ResponseWriter w = writer(true);
  json j = json::parse(w.full({c, c}, Usage{3, 4, 0}));
  EXPECT_EQ(j["object"], "chat.completion");
  ASSERT_EQ(j["choices"].size(), 2u);
  EXPECT_EQ(j["choices"][1]["index"], 1);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello \"world\"\n");
  EXPECT_EQ(j["choices"][0]["stop_reason"], "</s>");
  EXPECT_TRUE(j["choices"][0]["logprobs"].is_null());

  json opening = json::parse(w.chunk(0, "", {}, std::nullopt, std::nullopt, true));
  EXPECT_EQ(opening["object"], "chat.completion.chunk");
  EXPECT_EQ(opening["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(opening["choices"][0]["finish_reason"].is_null());
  json last = json::parse(w.chunk(1, "!", {{5, -0.1f, {}}}, std::string("abort"), std::nullopt));
  EXPECT_EQ(last["choices"][0]["index"], 1);
  EXPECT_FALSE(last["choices"][0]["delta"].contains("role"));
  EXPECT_EQ(last["choices"][0]["delta"]["content"], "!");
  EXPECT_EQ(last["choices"][0]["finish_reason"], "abort");
  const json& lp = last["choices"][0]["logprobs"]["content"][0];
  EXPECT_EQ(lp["token"], "t5");
  EXPECT_EQ(lp["bytes"], json({'t', '5'}));
  json usage = json::parse(w.usageChunk(Usage{3, 4, 0}));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 7);
}

// A logprob is written with its float's shortest digits, -inf as OpenAI's -9999.0; a token that is
// one byte of a multi-byte character comes back as U+FFFD in "token" and exactly in "bytes".
TEST(Responses, LogprobTextAndPartialCharacterTokens) {
  ResponseWriter w(true, "chatcmpl-2", 1700000000, "smollm2", [](int32_t t) {
    return t == 7 ? std::string("\xe2") : "t" + std::to_string(t);
  });
  const std::string body =
      w.chunk(0, "x", {{7, -0.12345679f, {{7, -std::numeric_limits<float>::infinity()}}}},
              std::nullopt, std::nullopt);
  EXPECT_NE(body.find("\"logprob\":-0.12345679,"), std::string::npos) << body;
  EXPECT_NE(body.find("\"logprob\":-9999.0,"), std::string::npos) << body;
  json j = json::parse(body);  // valid JSON although the token text is not valid UTF-8
  const json& lp = j["choices"][0]["logprobs"]["content"][0];
  EXPECT_EQ(lp["token"], "\xef\xbf\xbd");
  EXPECT_EQ(lp["bytes"], json({0xe2}));
}

}  // namespace wharf::inference

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

// Echo with logprobs: the prompt's tokens first, the first one with null logprob and alternatives;
// vLLM's prompt_logprobs: null, then {id: {logprob, rank, decoded_token}} with the prompt's
// token first and the alternatives it is not among.
TEST(Responses, ScoredPromptAsEchoLogprobsAndPromptLogprobs) {
  const std::vector<int32_t> prompt = {4, 5, 6};
  std::vector<TokenLogprob> scores(2);
  scores[0].token = 5;
  scores[0].logprob = -2.5f;
  scores[0].rank = 3;
  scores[0].top = {{8, -0.5f}, {9, -1.0f}, {5, -2.5f}};
  scores[1].token = 6;
  scores[1].logprob = -0.25f;
  scores[1].rank = 1;
  scores[1].top = {{6, -0.25f}, {8, -2.0f}, {9, -3.0f}};
  ChoiceResult c;
  c.text = "t4t5t6t7";
  c.finish_reason = "length";
  c.logprobs = promptEntries(prompt, scores, 1);
  ASSERT_EQ(c.logprobs.size(), 3u);
  EXPECT_TRUE(c.logprobs[0].unscored);
  EXPECT_EQ(c.logprobs[1].top.size(), 1u);
  c.logprobs.push_back({7, -0.75f, {{7, -0.75f}}});
  c.prompt_logprobs = promptEntries(prompt, scores, 2);
  json j = json::parse(writer(false).full({c}, Usage{3, 1, 0}));
  const json& lp = j["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"], json({"t4", "t5", "t6", "t7"}));
  EXPECT_EQ(lp["text_offset"], json({0, 2, 4, 6}));
  EXPECT_TRUE(lp["token_logprobs"][0].is_null());
  EXPECT_EQ(lp["token_logprobs"][1], -2.5);
  EXPECT_EQ(lp["token_logprobs"][3], -0.75);
  EXPECT_TRUE(lp["top_logprobs"][0].is_null());
  EXPECT_EQ(lp["top_logprobs"][1], json({{"t8", -0.5}}));
  const json& pl = j["choices"][0]["prompt_logprobs"];
  ASSERT_EQ(pl.size(), 3u);
  EXPECT_TRUE(pl[0].is_null());
  EXPECT_EQ(pl[1].size(), 3u);  // the prompt's token (rank 3) and the top 2
  EXPECT_EQ(pl[1]["5"], json({{"decoded_token", "t5"}, {"logprob", -2.5}, {"rank", 3}}));
  EXPECT_EQ(pl[1]["8"]["rank"], 1);
  EXPECT_EQ(pl[1]["9"]["rank"], 2);
  EXPECT_EQ(pl[2].size(), 2u);  // the prompt's token is the most likely
  EXPECT_EQ(pl[2]["6"]["rank"], 1);
  EXPECT_EQ(pl[2]["8"]["rank"], 2);
  // A chat completion carries it at the top level; a choice without it has none.
  ChoiceResult chat;
  chat.text = "hi";
  chat.finish_reason = "stop";
  chat.prompt_logprobs = c.prompt_logprobs;
  json k = json::parse(writer(true).full({chat}, Usage{3, 1, 0}));
  EXPECT_EQ(k["prompt_logprobs"].size(), 3u);
  EXPECT_FALSE(k["choices"][0].contains("prompt_logprobs"));
  EXPECT_FALSE(json::parse(writer(false).full({ChoiceResult{}}, Usage{}))["choices"][0].contains(
      "prompt_logprobs"));
  // Scores that stop short (an aborted request) leave the rest unscored.
  auto partial = promptEntries(prompt, {scores[0]}, 0);
  EXPECT_FALSE(partial[1].unscored);
  EXPECT_TRUE(partial[1].top.empty());
  EXPECT_TRUE(partial[2].unscored);
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

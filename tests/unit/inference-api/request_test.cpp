// OpenAI request parsing: defaults, the sampling struct handed to the engine, and a 400 naming the
// field for every wrong type or value.
#include "request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "api_error.hpp"

namespace wharf::inference {
namespace {

std::pair<std::string, std::string> errorOf(const std::string& body, bool chat = false) {
  try {
    if (chat)
      parseChatRequest(body);
    else
      parseCompletionRequest(body);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400) << body;
    return {e.what(), e.param()};
  }
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

}  // namespace

TEST(CompletionRequest, DefaultsAndTheSamplingStruct) {
  GenerationRequest r = parseCompletionRequest(
      R"({"model": "m", "prompt": "Hi", "stop": ["\n", "END"], "logit_bias": {"7": -100},)"
      R"( "seed": 5, "n": 2, "unknown_field": {"ignored": true}})");
  EXPECT_FALSE(r.chat);
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_EQ(*r.prompts[0].text, "Hi");
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(r.max_tokens, 16);  // OpenAI's and vLLM's default for completions
  EXPECT_EQ(r.temperature, 1.0);
  EXPECT_TRUE(r.add_special_tokens);
  wharf_sampling_params p0 = r.sampling(16, 0);
  EXPECT_EQ(p0.struct_size, sizeof(wharf_sampling_params));
  EXPECT_EQ(p0.max_tokens, 16);
  ASSERT_EQ(p0.stop_count, 2u);
  EXPECT_STREQ(p0.stop[1], "END");
  ASSERT_EQ(p0.logit_bias_count, 1u);
  EXPECT_EQ(p0.logit_bias_ids[0], 7);
  EXPECT_EQ(p0.logit_bias_values[0], -100.0f);
  EXPECT_TRUE(p0.has_seed);
  EXPECT_EQ(p0.seed, 5u);
  EXPECT_EQ(r.sampling(16, 1).seed, 6u);  // n choices with one seed differ, reproducibly
  EXPECT_EQ(p0.logprobs, -1);
}

TEST(CompletionRequest, PromptForms) {
  auto r = parseCompletionRequest(R"({"model": "m", "prompt": ["a", "b"]})");
  EXPECT_EQ(r.prompts.size(), 2u);
  r = parseCompletionRequest(R"({"model": "m", "prompt": [1, 2, 3]})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_FALSE(r.prompts[0].text);
  EXPECT_EQ(r.prompts[0].tokens, (std::vector<int32_t>{1, 2, 3}));
  r = parseCompletionRequest(R"({"model": "m", "prompt": [[1], [2, 3]]})");
  EXPECT_EQ(r.prompts.size(), 2u);
}

TEST(CompletionRequest, EveryBadFieldIsA400NamingIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"prompt": "x"})", "model"},
      {R"({"model": "m"})", "prompt"},
      {R"({"model": "m", "prompt": []})", "prompt"},
      {R"({"model": "m", "prompt": [1, "a"]})", "prompt"},
      {R"({"model": "m", "prompt": "x", "n": 0})", "n"},
      {R"({"model": "m", "prompt": "x", "n": 1.5})", "n"},
      {R"({"model": "m", "prompt": "x", "temperature": -1})", "temperature"},
      {R"({"model": "m", "prompt": "x", "temperature": "hot"})", "temperature"},
      {R"({"model": "m", "prompt": "x", "top_p": 0})", "top_p"},
      {R"({"model": "m", "prompt": "x", "top_k": 0})", "top_k"},
      {R"({"model": "m", "prompt": "x", "min_p": 2})", "min_p"},
      {R"({"model": "m", "prompt": "x", "presence_penalty": 3})", "presence_penalty"},
      {R"({"model": "m", "prompt": "x", "repetition_penalty": 0})", "repetition_penalty"},
      {R"({"model": "m", "prompt": "x", "stop": ""})", "stop"},
      {R"({"model": "m", "prompt": "x", "stop": [1]})", "stop"},
      {R"({"model": "m", "prompt": "x", "stop_token_ids": "1"})", "stop_token_ids"},
      {R"({"model": "m", "prompt": "x", "logit_bias": {"7": 200}})", "logit_bias"},
      {R"({"model": "m", "prompt": "x", "logit_bias": {"a": 1}})", "logit_bias"},
      {R"({"model": "m", "prompt": "x", "stream": "yes"})", "stream"},
      {R"({"model": "m", "prompt": "x", "stream_options": {"include_usage": true}})",
       "stream_options"},
      {R"({"model": "m", "prompt": "x", "max_tokens": 0})", "max_tokens"},
      {R"({"model": "m", "prompt": "x", "max_tokens": -1, "echo": true})", "max_tokens"},
      {R"({"model": "m", "prompt": "x", "echo": true, "max_tokens": 0, "min_tokens": 1})",
       "min_tokens"},
      {R"({"model": "m", "prompt": "x", "prompt_logprobs": -1})", "prompt_logprobs"},
      {R"({"model": "m", "prompt": "x", "prompt_logprobs": 21})", "prompt_logprobs"},
      {R"({"model": "m", "prompt": "x", "prompt_logprobs": 1.5})", "prompt_logprobs"},
      {R"({"model": "m", "prompt": "x", "prompt_logprobs": "2"})", "prompt_logprobs"},
      {R"({"model": "m", "prompt": "x", "prompt_logprobs": true})", "prompt_logprobs"},
      {R"({"model": "m", "prompt": "x", "prompt_logprobs": 1, "stream": true})", "prompt_logprobs"},
      {R"({"model": "m", "prompt": "x", "max_tokens": 4, "min_tokens": 5})", "min_tokens"},
      {R"({"model": "m", "prompt": "x", "logprobs": 21})", "logprobs"},
  };
  for (const auto& [body, field] : cases) {
    auto [message, param] = errorOf(body);
    EXPECT_EQ(param, field) << body << ": " << message;
    EXPECT_NE(message.find(field), std::string::npos) << body << ": " << message;
  }
  EXPECT_EQ(errorOf("{not json").second, "");
  EXPECT_NE(errorOf("[1]").first.find("JSON object"), std::string::npos);
}

// Scoring a text: echo with logprobs scores the echoed prompt, prompt_logprobs asks for vLLM's
// list; the engine scores with the larger of the two; max_tokens 0 needs echo.
TEST(CompletionRequest, EchoLogprobsAndPromptLogprobs) {
  auto r = parseCompletionRequest(
      R"({"model": "m", "prompt": "x", "echo": true, "logprobs": 1, "max_tokens": 0})");
  EXPECT_TRUE(r.echo);
  EXPECT_EQ(r.max_tokens, 0);
  EXPECT_EQ(r.promptScoring(), 1);
  wharf_sampling_params p = r.sampling(0, 0);
  EXPECT_EQ(p.max_tokens, 0);
  EXPECT_EQ(p.score_prompt, 1);
  EXPECT_EQ(p.prompt_top_logprobs, 1);
  EXPECT_EQ(p.logprobs, 1);

  r = parseCompletionRequest(
      R"({"model": "m", "prompt": "x", "prompt_logprobs": 3, "logprobs": 5})");
  EXPECT_EQ(r.prompt_logprobs, 3);
  EXPECT_EQ(r.promptScoring(), 3);  // no echo: logprobs are the generated tokens' only
  r = parseCompletionRequest(
      R"({"model": "m", "prompt": "x", "prompt_logprobs": 3, "logprobs": 5, "echo": true})");
  EXPECT_EQ(r.promptScoring(), 5);
  r = parseCompletionRequest(R"({"model": "m", "prompt": "x", "prompt_logprobs": 0.0})");
  EXPECT_EQ(r.prompt_logprobs, 0);

  r = parseCompletionRequest(R"({"model": "m", "prompt": "x", "echo": true})");
  EXPECT_EQ(r.promptScoring(), -1);  // echo alone repeats the text, scores nothing
  EXPECT_EQ(r.sampling(16, 0).score_prompt, 0);
  // A stream: prompt_logprobs 0 is accepted and ignored (as vLLM), echo with logprobs is scored.
  r = parseCompletionRequest(
      R"({"model": "m", "prompt": "x", "stream": true, "prompt_logprobs": 0})");
  EXPECT_EQ(r.promptScoring(), -1);
  r = parseCompletionRequest(
      R"({"model": "m", "prompt": "x", "stream": true, "echo": true, "logprobs": 2})");
  EXPECT_EQ(r.promptScoring(), 2);
  EXPECT_NE(errorOf(R"({"model": "m", "prompt": "x", "max_tokens": 0})").first.find("echo"),
            std::string::npos);
}

TEST(ChatRequest, PromptLogprobs) {
  auto r = parseChatRequest(
      R"({"model": "m", "messages": [{"role": "user", "content": "Hi"}], "prompt_logprobs": 2})");
  EXPECT_EQ(r.promptScoring(), 2);
  EXPECT_EQ(r.sampling(4, 0).prompt_top_logprobs, 2);
  EXPECT_EQ(errorOf(R"({"model": "m", "messages": [{"role": "user", "content": "Hi"}],)"
                    R"( "prompt_logprobs": 30})",
                    true)
                .second,
            "prompt_logprobs");
  EXPECT_EQ(errorOf(R"({"model": "m", "messages": [{"role": "user", "content": "Hi"}],)"
                    R"( "max_tokens": 0})",
                    true)
                .second,
            "max_tokens");
}

TEST(ChatRequest, MessagesAndChatDefaults) {
  GenerationRequest r = parseChatRequest(
      R"({"model": "m", "messages": [{"role": "user", "content": "Hi"}], "logprobs": true,)"
      R"( "top_logprobs": 3, "max_completion_tokens": 9})");
  EXPECT_TRUE(r.chat);
  EXPECT_FALSE(r.add_special_tokens);  // the template adds them
  EXPECT_TRUE(r.add_generation_prompt);
  EXPECT_EQ(r.logprobs, 3);
  EXPECT_EQ(r.max_tokens, 9);
  EXPECT_EQ(errorOf(R"({"model": "m", "messages": []})", true).second, "messages");
  EXPECT_EQ(errorOf(R"({"model": "m", "messages": [{"content": "x"}]})", true).second, "messages");
  EXPECT_EQ(errorOf(R"({"model": "m", "messages": [{"role": "user", "content": 5}]})", true).second,
            "messages");
  EXPECT_EQ(
      errorOf(R"({"model": "m", "messages": [{"role": "user"}], "top_logprobs": 2})", true).second,
      "top_logprobs");
}

// The messages reach the chat template as the client wrote them: members in their order, 1.0 a
// float, as transformers and vLLM render tool-call arguments.
TEST(ChatRequest, MessagesKeepMemberOrderAndNumberTypes) {
  GenerationRequest r = parseChatRequest(
      R"({"model": "m", "messages": [{"role": "assistant", "content": null, "tool_calls": [)"
      R"({"type": "function", "function": {"name": "f", "arguments": {"zeta": 1.0, "alpha": 2,)"
      R"( "mid": [0.5, 3, 1e3], "big": 12345678901234}}}]}]})");
  EXPECT_EQ(r.messages_json,
            R"([{"role":"assistant","content":null,"tool_calls":[{"type":"function","function":)"
            R"({"name":"f","arguments":{"zeta":1.0,"alpha":2,"mid":[0.5,3,1000.0],)"
            R"("big":12345678901234}}}]}])");
}

TEST(ChatRequest, TextContentPartsBecomeOneString) {
  auto r = parseChatRequest(
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},)"
      R"({"type":"text","text":"b"}]},{"role":"assistant","content":null}]})");
  EXPECT_EQ(r.messages_json,
            R"([{"role":"user","content":"a\nb"},{"role":"assistant","content":null}])");
  EXPECT_EQ(
      errorOf(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})",
              true)
          .second,
      "messages");
  EXPECT_EQ(errorOf(R"({"model":"m","messages":[{"role":"user","content":[5]}]})", true).second,
            "messages");
}

TEST(TokenizeRequest, PromptOrCheckedMessages) {
  auto t = parseTokenizeRequest(R"({"prompt":"hi"})");
  ASSERT_TRUE(t.prompt);
  EXPECT_TRUE(t.add_special_tokens);
  t = parseTokenizeRequest(R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_FALSE(t.prompt);
  EXPECT_FALSE(t.add_special_tokens);
  EXPECT_EQ(t.messages_json, R"([{"role":"user","content":"hi"}])");
  for (const char* bad :
       {R"({"messages":"hi"})", R"({"messages":[5]})", R"({})", R"({"prompt":5})", R"([1])"})
    EXPECT_THROW(parseTokenizeRequest(bad), ApiError) << bad;
}

TEST(DetokenizeRequest, TokenIdsInRange) {
  EXPECT_EQ(parseDetokenizeRequest(R"({"tokens":[1,2]})").tokens, (std::vector<int32_t>{1, 2}));
  for (const char* bad : {R"({"tokens":[1099511627776]})", R"({"tokens":[-1]})",
                          R"({"tokens":"12"})", R"({"tokens":[1.5]})", R"({})"})
    EXPECT_THROW(parseDetokenizeRequest(bad), ApiError) << bad;
}

TEST(ChatRequest, TopLogprobsIsRangeCheckedBeforeNarrowing) {
  // 2^32 + 1 was read as 1 (cast to int before the 0..20 check).
  EXPECT_EQ(errorOf(R"({"model":"m","messages":[{"role":"user","content":"x"}],"logprobs":true,)"
                    R"("top_logprobs":4294967297})",
                    true)
                .second,
            "top_logprobs");
}

}  // namespace wharf::inference

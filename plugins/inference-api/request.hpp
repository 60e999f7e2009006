// Parsed and validated OpenAI requests (/v1/completions and /v1/chat/completions), vLLM's field
// set included. Unknown fields are accepted, as vLLM does; wrong types and out-of-range values are
// ApiError 400s naming the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wharf/engine.h"

namespace wharf::inference {

// A prompt is either text (tokenized by the engine) or token ids.
struct Prompt {
  std::optional<std::string> text;
  std::vector<int32_t> tokens;
};

struct GenerationRequest {
  bool chat = false;
  std::string model;
  std::vector<Prompt> prompts;  // completions: one or more; chat: filled after templating
  std::string messages_json;    // chat: the messages array, re-serialised
  bool add_generation_prompt = true;
  bool echo = false;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  std::optional<int> max_tokens;  // absent = up to the context; 0 (completions, echo): no output
  int min_tokens = 0;
  double temperature = 1.0;
  double top_p = 1.0;
  int top_k = -1;
  double min_p = 0.0;
  double presence_penalty = 0, frequency_penalty = 0, repetition_penalty = 1;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  std::vector<int32_t> stop_token_ids;
  std::vector<std::pair<int32_t, float>> logit_bias;
  bool ignore_eos = false;
  bool include_stop_str_in_output = false;
  bool skip_special_tokens = true;
  bool add_special_tokens = true;  // completions default true, chat false (template adds them)
  int logprobs = -1;               // -1 none; k = sampled + top k
  int prompt_logprobs = -1;        // vLLM's prompt_logprobs: -1 none; k = each prompt token + top k
  std::string user;

  // The alternatives the engine scores the prompt with: prompt_logprobs, and echo with logprobs
  // (the echoed prompt's tokens carry logprobs too); -1 when the prompt is not scored. A stream
  // has no prompt_logprobs (vLLM refuses k > 0 there and ignores 0).
  int promptScoring() const;
  // The engine's sampling struct; the pointers point into this object.
  wharf_sampling_params sampling(int max_tokens_now, int choice_index) const;

 private:
  mutable std::vector<const char*> stop_ptrs_;
  mutable std::vector<int32_t> bias_ids_;
  mutable std::vector<float> bias_values_;
};

GenerationRequest parseCompletionRequest(const std::string& body);
GenerationRequest parseChatRequest(const std::string& body);

// /tokenize: text or chat messages (templated by the engine).
struct TokenizeRequest {
  std::optional<std::string> model;
  std::optional<std::string> prompt;
  std::string messages_json;  // when no prompt
  bool add_special_tokens = true;
  bool add_generation_prompt = true;
};
TokenizeRequest parseTokenizeRequest(const std::string& body);

// /detokenize: token ids.
struct DetokenizeRequest {
  std::optional<std::string> model;
  std::vector<int32_t> tokens;
};
DetokenizeRequest parseDetokenizeRequest(const std::string& body);

}  // namespace wharf::inference

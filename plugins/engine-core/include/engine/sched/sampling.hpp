// Per-request sampling: the owned copy of wharf_sampling_params, and the Sampler that turns one
// row of logits into the next token (penalties, logit bias, min_tokens masking, temperature,
// top-k / top-p / min-p truncation, a per-request seeded RNG, log-probabilities).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "wharf/engine.h"

namespace wharf::engine {

struct SamplingParams {
  int32_t max_tokens = 16;
  int32_t min_tokens = 0;
  float temperature = 1.0f;
  float top_p = 1.0f;
  int32_t top_k = 0;
  float min_p = 0.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  float repetition_penalty = 1.0f;
  bool has_seed = false;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  std::vector<int32_t> stop_token_ids;
  std::unordered_map<int32_t, float> logit_bias;
  bool ignore_eos = false;
  bool include_stop_str_in_output = false;
  bool skip_special_tokens = true;
  int32_t logprobs = -1;  // < 0: none; k: the sampled token's logprob plus the top k
  // < 0: none; k: every prompt token after the first gets its logprob and rank, plus the top k.
  int32_t prompt_logprobs = -1;

  // Copies and validates the C struct (reads only the fields its struct_size covers); throws
  // wharf::Error(INVALID_ARGUMENT) with the offending field's name.
  static SamplingParams fromC(const wharf_sampling_params* p, int64_t vocab_size);
  bool greedy() const { return temperature < 1e-5f; }
};

// What one logit row gave: a sampled token, or (a scoring row) the scored token. Logprobs are the
// raw logits' log-softmax, before penalties, bias and temperature (vLLM's raw_logprobs).
struct SampledToken {
  int32_t id = -1;
  float logprob = 0;             // when logprobs were requested (always for a scoring row)
  std::vector<int32_t> top_ids;  // the `logprobs` most likely tokens, most likely first
  std::vector<float> top_logprobs;
  int32_t rank = 0;  // scoring rows: the token's rank, 1 = most likely
};

// Mutable per-sequence sampling state.
class SamplerState {
 public:
  SamplerState(const SamplingParams& params, const std::vector<int32_t>& prompt);
  void accept(int32_t token);
  size_t generated() const { return generated_; }

 private:
  friend class Sampler;
  std::mt19937_64 rng_;
  std::unordered_map<int32_t, int32_t> output_counts_;  // presence / frequency penalties
  std::unordered_map<int32_t, bool> seen_;              // repetition penalty: prompt + output
  size_t generated_ = 0;
};

class Sampler {
 public:
  // `end_of_generation` are the model's EOS-like ids (masked until min_tokens, like stop ids).
  explicit Sampler(std::vector<int32_t> end_of_generation) : eog_(std::move(end_of_generation)) {}

  // Samples from `logits` (one row, modified in place).
  SampledToken sample(float* logits, size_t vocab, const SamplingParams& params,
                      SamplerState& state) const;
  // Scores `token` under one row of logits (not modified): its logprob and rank, and the `top`
  // most likely tokens (prompt logprobs).
  static SampledToken score(const float* logits, size_t vocab, int32_t token, int32_t top);

 private:
  std::vector<int32_t> eog_;
};

}  // namespace wharf::engine

// One request's generations in flight: submits each choice to the engine, receives the engine's
// events (on its threads) into a queue, and hands them to the HTTP thread in order. Destroying it
// cancels every choice that has not finished and waits for the engine to let go.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "wharf/cpp/engine.hpp"

namespace wharf::inference {

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0;
  std::vector<std::pair<int32_t, float>> top;  // most likely first
  int32_t rank = 0;                            // prompt scores: the token's rank, 1 = most likely
  bool unscored = false;  // a prompt's first token: no logprob, no alternatives (null in JSON)
};

struct Delta {
  size_t choice = 0;
  std::string text;
  std::vector<int32_t> tokens;
  std::vector<TokenLogprob> logprobs;  // when requested
  // Prompt scores (the engine's prompt_* fields): prompt tokens from index prompt_start on.
  size_t prompt_start = 0;
  std::vector<TokenLogprob> prompt_scores;
  bool finished = false;
  std::string finish_reason;  // "stop", "length", "abort", "error"
  std::optional<std::string> stop_reason;
  uint32_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  std::string error;
};

class Generation {
 public:
  explicit Generation(EngineClient engine) : engine_(std::move(engine)) {}
  ~Generation();
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  // Submits one choice; throws wharf::Error from the engine (UNAVAILABLE when its queue is full).
  void submit(const std::vector<int32_t>& prompt, const wharf_sampling_params& sampling,
              bool want_logprobs);
  // The next delta, waiting at most `timeout_ms`; nullopt on timeout.
  std::optional<Delta> next(int timeout_ms);
  bool allFinished() const;
  void cancelAll();
  size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    Generation* owner = nullptr;
    size_t index = 0;
    uint64_t id = 0;
    bool want_logprobs = false;
    std::vector<int32_t> prompt;  // when the prompt is scored: the token ids its scores are of
    bool finished = false;        // the engine sent its last event
  };
  static void onEvent(void* ctx, const wharf_generation_event* e);

  EngineClient engine_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Delta> queue_;
  std::vector<std::unique_ptr<Slot>> slots_;
  size_t finished_ = 0;
};

}  // namespace wharf::inference

// The device-independent engine: tokenizer, chat template, block manager, scheduler and sampler
// around a ModelRunner, with one loop thread that runs a batched forward step per iteration and
// streams wharf_generation_event to each request. Every public method is thread-safe; events are
// delivered on the loop thread, never while an engine lock is held (callbacks may call back in).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/sched/block_manager.hpp"
#include "engine/sched/model_runner.hpp"
#include "engine/sched/request_output.hpp"
#include "engine/sched/sampling.hpp"
#include "engine/sched/scheduler.hpp"
#include "engine/text/tokenizer.hpp"
#include "wharf/engine.h"

namespace wharf::engine {

class ChatTemplate;

// What an engine plugin configured (the names are its INI keys). No defaults here: they are
// declared once, in the plugin's key table (engine-cpu's plugin.cpp); a zero where a positive
// value is needed is refused by the engine, naming the key.
struct EngineOptions {
  std::string model_id;  // reported by model_info; "" = the model's general.name
  size_t kv_cache_bytes = 0;
  size_t max_num_seqs = 0;
  size_t max_num_batched_tokens = 0;
  size_t max_waiting = 0;
  size_t max_model_len = 0;  // 0: the model's context length
  bool prefix_caching = false;
};

class InferenceEngine {
 public:
  // The model's tokenizer and chat template (none: applyChatTemplate fails) from whatever file
  // they came from, and a runner for the device. Throws wharf::Error when the options do not fit
  // the model (e.g. a KV budget smaller than one max_model_len sequence).
  InferenceEngine(std::unique_ptr<Tokenizer> tokenizer, std::optional<std::string> chat_template,
                  std::unique_ptr<ModelRunner> runner, EngineOptions options);
  ~InferenceEngine();  // aborts outstanding requests (each gets its final "abort" event)
  InferenceEngine(const InferenceEngine&) = delete;
  InferenceEngine& operator=(const InferenceEngine&) = delete;

  std::string modelInfo() const;
  std::vector<int32_t> tokenize(std::string_view text, bool add_special_tokens) const;
  std::string detokenize(const std::vector<int32_t>& tokens, bool skip_special_tokens) const;
  std::string applyChatTemplate(const std::string& messages_json, bool add_generation_prompt) const;
  // UNAVAILABLE when the waiting queue is full; INVALID_ARGUMENT for a bad request (prompt too
  // long for max_model_len, bad sampling parameters, token ids out of range).
  uint64_t submit(const wharf_generation_request& request);
  void cancel(uint64_t request_id);
  std::string stats() const;
  // Throws wharf::Error (UNAVAILABLE) with the runner's fault once its device has failed.
  void health() const;

  const Tokenizer& tokenizer() const { return *tokenizer_; }
  size_t maxModelLen() const { return max_model_len_; }
  size_t kvBlocks() const { return blocks_.totalBlocks(); }

 private:
  struct Request;
  void loop();
  void step();
  // Ends a request without a new token: "abort" (cancelled, shutting down) with the text held
  // back so far, or "error" with `error`.
  void finish(Request& r, const char* reason, std::string text, const std::string& error = "");
  void emitToken(Request& r, int32_t token, const SampledToken& sampled);
  // Sends the prompt scores gathered this step in an event of their own (token_count 0).
  void emitScores(Request& r);
  void publishStats();

  std::unique_ptr<ModelRunner> runner_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<ChatTemplate> chat_template_;
  EngineOptions options_;
  size_t max_model_len_;
  size_t vocab_;
  BlockManager blocks_;
  Scheduler scheduler_;
  Sampler sampler_;

  // Loop-thread state.
  std::unordered_map<uint64_t, std::unique_ptr<Request>> requests_;
  std::vector<SamplingRow> rows_;      // this step's sampling and scoring rows
  std::vector<SampledToken> sampled_;  // and what the runner sampled (scored) for them

  // Shared state.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Request>> incoming_;
  std::vector<uint64_t> cancels_;
  bool stop_ = false;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<size_t> waiting_{0};

  mutable std::mutex stats_mutex_;
  struct Counters {
    size_t running = 0, waiting = 0, blocks_used = 0, blocks_free = 0, cached_blocks = 0;
    uint64_t prompt_tokens = 0, generation_tokens = 0, preemptions = 0, steps = 0;
    uint64_t prefix_queried = 0, prefix_hits = 0;
    uint64_t finished_stop = 0, finished_length = 0, finished_abort = 0, finished_error = 0;
  } counters_;
  uint64_t prompt_tokens_ = 0, generation_tokens_ = 0, steps_ = 0;
  uint64_t finished_stop_ = 0, finished_length_ = 0, finished_abort_ = 0, finished_error_ = 0;

  std::thread thread_;
};

}  // namespace wharf::engine

// Test harness for InferenceEngine: a byte-level tokenizer GGUF, a deterministic fake runner, and
// a collector of generation events.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/model/gguf.hpp"
#include "engine/sched/inference_engine.hpp"
#include "engine/text/byte_level.hpp"
#include "engine/text/unicode.hpp"
#include "gguf_builder.hpp"

namespace wharf::engine::test {

constexpr int32_t kFakeEos = 256;
constexpr int32_t kFakeVocab = 258;

// 256 byte tokens, <eos> (256, control) and <|user|> (257, control); no merges.
inline std::shared_ptr<GgufFile> byteTokenizerGguf(const std::string& chat_template = "") {
  GgufBuilder b;
  b.kvString("general.architecture", "llama");
  b.kvString("tokenizer.ggml.model", "gpt2");
  b.kvString("tokenizer.ggml.pre", "default");
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int i = 0; i < 256; ++i) {
    std::string s;
    appendUtf8(s, byteToCodepoint(static_cast<uint8_t>(i)));
    tokens.push_back(s);
    types.push_back(1);
  }
  tokens.push_back("<eos>");
  types.push_back(3);
  tokens.push_back("<|user|>");
  types.push_back(3);
  b.kvStrings("tokenizer.ggml.tokens", tokens);
  b.kvArray<int32_t>("tokenizer.ggml.token_type", 5, types);
  b.kvStrings("tokenizer.ggml.merges", {});
  b.kv<uint32_t>("tokenizer.ggml.eos_token_id", 4, kFakeEos);
  b.kv<uint32_t>("tokenizer.ggml.bos_token_id", 4, 257);
  if (!chat_template.empty()) b.kvString("tokenizer.chat_template", chat_template);
  return std::make_shared<GgufFile>(GgufFile::parse(MappedFile::fromBytes(b.build())));
}

// Next token = the scripted continuation of the prompt: byte (last + 1), except that a '.' is
// followed by <eos>. Deterministic per token, so batching and preemption cannot change outputs.
// engine-cpu's defaults (its key table), for tests that build an engine directly.
inline EngineOptions cpuDefaults() {
  EngineOptions o;
  o.kv_cache_bytes = 512u << 20;
  o.max_num_seqs = 256;
  o.max_num_batched_tokens = 2048;
  o.max_waiting = 1024;
  o.prefix_caching = true;
  return o;
}

class FakeRunner : public ModelRunner {
 public:
  explicit FakeRunner(int64_t context = 512) {
    config_.architecture = "llama";
    config_.name = "fake";
    config_.context_length = context;
    config_.vocab_size = kFakeVocab;
    config_.block_count = 1;
  }
  const ModelConfig& config() const override { return config_; }
  size_t kvBytesPerBlock() const override { return 1024; }
  void allocateKvCache(size_t blocks) override { blocks_ = blocks; }
  void forward(const ForwardBatch& batch, std::vector<float>& logits) override {
    std::lock_guard<std::mutex> lock(mutex_);
    max_batch_tokens = std::max(max_batch_tokens, batch.size());
    ++steps;
    logits.assign(batch.logit_rows.size() * kFakeVocab, 0.0f);
    for (size_t r = 0; r < batch.logit_rows.size(); ++r) {
      size_t t = static_cast<size_t>(batch.logit_rows[r]);
      const auto& table = *batch.block_tables[static_cast<size_t>(batch.sequence_of[t])];
      if (static_cast<size_t>(batch.positions[t]) / kKvBlockSize >= table.size()) {
        throw std::runtime_error("position without a KV block");
      }
      int32_t last = batch.tokens[t];
      int32_t next = last == '.' ? kFakeEos : (last + 1) % 256;
      logits[r * kFakeVocab + static_cast<size_t>(next)] = 10.0f;
    }
  }
  RunnerMemory memory() const override {
    RunnerMemory m;
    m.device = "fake";
    m.weights_bytes = 4096;
    m.kv_cache_bytes = blocks_ * kvBytesPerBlock();
    return m;
  }
  int parallelism() const override { return 1; }

  std::mutex mutex_;
  size_t max_batch_tokens = 0;
  size_t steps = 0;

 private:
  ModelConfig config_;
  size_t blocks_ = 0;
};

// A runner that samples "on its device" (ModelRunner::step overridden): it never produces logits,
// only the scripted token ids, with a logprob of -0.5 each, as a CUDA runner returns ids and
// logprobs alone.
class DeviceSamplingRunner : public FakeRunner {
 public:
  void forward(const ForwardBatch&, std::vector<float>&) override {
    throw std::runtime_error("a device-sampling runner is never asked for host logits");
  }
  void step(const ForwardBatch& batch, const std::vector<SamplingRow>& rows, const Sampler&,
            std::vector<SampledToken>& out) override {
    out.assign(rows.size(), SampledToken{});
    for (size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].score_token >= 0) {  // a prompt-scoring row: scored "on the device" too
        out[r].id = rows[r].score_token;
        out[r].logprob = -0.25f;
        out[r].rank = 1;
        continue;
      }
      int32_t last = batch.tokens[static_cast<size_t>(batch.logit_rows[r])];
      out[r].id = last == '.' ? kFakeEos : (last + 1) % 256;
      out[r].logprob = -0.5f;
    }
    ++device_steps;
  }
  size_t device_steps = 0;
};

struct Collected {
  std::vector<int32_t> tokens;
  std::string text;
  std::vector<std::string> frames;
  std::string finish_reason, stop_reason, error;
  uint32_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  std::vector<float> logprobs;
  size_t events = 0;
  bool finished = false;
  // Prompt scores (score_prompt), for prompt tokens 1, 2, ...; `score_events` carried them.
  std::vector<float> prompt_logprobs;
  std::vector<int32_t> prompt_ranks, prompt_top_ids;
  std::vector<float> prompt_top_logprobs;
  size_t prompt_top = 0, score_events = 0;
};

class Collector {
 public:
  static void onEvent(void* ctx, const wharf_generation_event* ev) {
    auto* self = static_cast<Collector*>(ctx);
    std::lock_guard<std::mutex> lock(self->mutex_);
    Collected& c = self->by_id_[ev->request_id];
    if (c.finished) self->violations_.push_back("event after finish");
    ++c.events;
    c.tokens.insert(c.tokens.end(), ev->tokens, ev->tokens + ev->token_count);
    std::string frame(ev->text, ev->text_length);
    c.text += frame;
    c.frames.push_back(frame);
    if (ev->logprobs)
      c.logprobs.insert(c.logprobs.end(), ev->logprobs, ev->logprobs + ev->token_count);
    if (const size_t n = ev->prompt_logprob_count; n > 0) {
      ++c.score_events;
      if (ev->prompt_logprob_start != c.prompt_logprobs.size() + 1)
        self->violations_.push_back("prompt scores out of order");
      if (c.tokens.size() != ev->token_count)  // tokens came in an earlier event
        self->violations_.push_back("prompt scores after a token");
      c.prompt_top = ev->prompt_top_count;
      c.prompt_logprobs.insert(c.prompt_logprobs.end(), ev->prompt_logprobs,
                               ev->prompt_logprobs + n);
      c.prompt_ranks.insert(c.prompt_ranks.end(), ev->prompt_ranks, ev->prompt_ranks + n);
      const size_t tops = n * ev->prompt_top_count;
      c.prompt_top_ids.insert(c.prompt_top_ids.end(), ev->prompt_top_ids,
                              ev->prompt_top_ids + tops);
      c.prompt_top_logprobs.insert(c.prompt_top_logprobs.end(), ev->prompt_top_logprobs,
                                   ev->prompt_top_logprobs + tops);
    }
    c.prompt_tokens = ev->prompt_tokens;
    c.completion_tokens = ev->completion_tokens;
    c.cached_tokens = ev->cached_tokens;
    if (ev->finished) {
      c.finished = true;
      c.finish_reason = ev->finish_reason ? ev->finish_reason : "";
      c.stop_reason = ev->stop_reason ? ev->stop_reason : "";
      c.error = ev->error_message ? ev->error_message : "";
      self->cv_.notify_all();
    }
  }

  wharf_generation_request request(const std::vector<int32_t>& prompt,
                                   const wharf_sampling_params* params) {
    wharf_generation_request r{};
    r.struct_size = sizeof r;
    r.prompt_tokens = prompt.data();
    r.prompt_length = prompt.size();
    r.sampling = params;
    r.on_event = &Collector::onEvent;
    r.on_event_ctx = this;
    return r;
  }

  Collected wait(uint64_t id) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(120), [&] { return by_id_[id].finished; });
    return by_id_[id];
  }
  std::vector<std::string> violations() {
    std::lock_guard<std::mutex> lock(mutex_);
    return violations_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<uint64_t, Collected> by_id_;
  std::vector<std::string> violations_;
};

inline wharf_sampling_params greedyParams(int32_t max_tokens) {
  wharf_sampling_params p{};
  p.struct_size = sizeof p;
  p.max_tokens = max_tokens;
  p.temperature = 0;
  p.top_p = 1;
  p.repetition_penalty = 1;
  p.logprobs = -1;
  p.skip_special_tokens = 1;
  return p;
}

inline std::vector<int32_t> bytes(const std::string& s) {
  std::vector<int32_t> out;
  for (unsigned char c : s) out.push_back(c);
  return out;
}

}  // namespace wharf::engine::test

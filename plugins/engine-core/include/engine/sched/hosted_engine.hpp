// What an engine plugin's instance is: the shared InferenceEngine behind the SDK's wharf::Engine,
// with the INI keys every engine plugin reads (model_id, max_num_seqs,
// max_num_batched_tokens, max_waiting, max_model_len, prefix_caching) read the same way. A device
// plugin (engine-cpu, engine-cuda) builds its runner and calls start().
#pragma once

#include <memory>
#include <string>

#include "engine/sched/inference_engine.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/engine.hpp"

// The rows of an engine plugin's wharf_config_key table for the keys HostedEngine::start reads;
// `batched` is max_num_batched_tokens' default (a string literal).
#define WHARF_HOSTED_ENGINE_KEYS(batched)                                                    \
  {"model_id",                                                                               \
   WHARF_KEY_STRING,                                                                         \
   0,                                                                                        \
   static_cast<wharf_plugin_kind>(0),                                                        \
   nullptr,                                                                                  \
   nullptr,                                                                                  \
   "model name reported to clients (default: the file name without .gguf, or the directory " \
   "name)"},                                                                                 \
      {"max_num_seqs",                                                                       \
       WHARF_KEY_INT,                                                                        \
       0,                                                                                    \
       static_cast<wharf_plugin_kind>(0),                                                    \
       "256",                                                                                \
       nullptr,                                                                              \
       "most sequences running in one batch"},                                               \
      {"max_num_batched_tokens",                                                             \
       WHARF_KEY_INT,                                                                        \
       0,                                                                                    \
       static_cast<wharf_plugin_kind>(0),                                                    \
       batched,                                                                              \
       nullptr,                                                                              \
       "most tokens computed in one step (prefill is chunked to fit)"},                      \
      {"max_waiting",                                                                        \
       WHARF_KEY_INT,                                                                        \
       0,                                                                                    \
       static_cast<wharf_plugin_kind>(0),                                                    \
       "1024",                                                                               \
       nullptr,                                                                              \
       "most queued requests; more are refused as unavailable"},                             \
      {"max_model_len",                                                                      \
       WHARF_KEY_INT,                                                                        \
       0,                                                                                    \
       static_cast<wharf_plugin_kind>(0),                                                    \
       "0",                                                                                  \
       nullptr,                                                                              \
       "context length limit in tokens (0 = the model's)"},                                  \
  {                                                                                          \
    "prefix_caching", WHARF_KEY_BOOL, 0, static_cast<wharf_plugin_kind>(0), "true", nullptr, \
        "share the KV blocks of common prompt prefixes"                                      \
  }

namespace wharf::engine {

class HostedEngine : public wharf::Engine {
 public:
  std::string modelInfo() override { return engine_->modelInfo(); }
  std::vector<int32_t> tokenize(std::string_view text, bool add_special_tokens) override {
    return engine_->tokenize(text, add_special_tokens);
  }
  std::string detokenize(const std::vector<int32_t>& tokens, bool skip_special_tokens) override {
    return engine_->detokenize(tokens, skip_special_tokens);
  }
  std::string applyChatTemplate(const std::string& messages_json,
                                bool add_generation_prompt) override {
    return engine_->applyChatTemplate(messages_json, add_generation_prompt);
  }
  uint64_t submit(const wharf_generation_request& req) override { return engine_->submit(req); }
  void cancel(uint64_t request_id) override { engine_->cancel(request_id); }
  std::string stats() override { return engine_->stats(); }
  // Red (/ready says why) once the runner's device has failed.
  void health() override { engine_->health(); }

  // A non-negative / positive integer key; throws INVALID_ARGUMENT naming it.
  static size_t nonNegative(const Config& c, const std::string& key);
  static size_t positive(const Config& c, const std::string& key);

 protected:
  // Starts the engine over `runner` for the model at `path` (a Hugging Face directory or a GGUF
  // file, `gguf` then open): its tokenizer and chat template, the shared keys of `config`, and a
  // KV cache of `kv_cache_bytes` (engine-cpu: its key; engine-cuda: what the device leaves).
  void start(const Config& config, const std::string& path, const GgufFile* gguf,
             std::unique_ptr<ModelRunner> runner, size_t kv_cache_bytes);
  InferenceEngine& engine() { return *engine_; }
  const std::string& modelId() const { return model_id_; }

 private:
  std::unique_ptr<InferenceEngine> engine_;
  std::string model_id_;
};

}  // namespace wharf::engine

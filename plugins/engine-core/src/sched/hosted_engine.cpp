#include "engine/sched/hosted_engine.hpp"

#include <filesystem>

#include "engine/model/gguf.hpp"
#include "engine/text/hf_chat_template.hpp"
#include "engine/text/tokenizer.hpp"

namespace wharf::engine {

size_t HostedEngine::nonNegative(const Config& c, const std::string& key) {
  int64_t v = c.integer(key);
  if (v < 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, "key '" + key + "' must not be negative");
  return static_cast<size_t>(v);
}

size_t HostedEngine::positive(const Config& c, const std::string& key) {
  size_t v = nonNegative(c, key);
  if (v == 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, "key '" + key + "' must be positive");
  return v;
}

void HostedEngine::start(const Config& config, const std::string& path, const GgufFile* gguf,
                         std::unique_ptr<ModelRunner> runner, size_t kv_cache_bytes) {
  EngineOptions o;
  o.model_id = config.str("model_id");
  if (o.model_id.empty()) {
    std::filesystem::path p(path);
    if (!gguf && !p.has_filename()) p = p.parent_path();
    o.model_id = gguf ? p.stem().string() : p.filename().string();
  }
  o.kv_cache_bytes = kv_cache_bytes;
  o.max_num_seqs = positive(config, "max_num_seqs");
  o.max_num_batched_tokens = positive(config, "max_num_batched_tokens");
  o.max_waiting = positive(config, "max_waiting");
  o.max_model_len = nonNegative(config, "max_model_len");
  o.prefix_caching = config.boolean("prefix_caching");
  model_id_ = o.model_id;
  if (gguf) {
    engine_ = std::make_unique<InferenceEngine>(Tokenizer::fromGguf(*gguf),
                                                gguf->stringValue("tokenizer.chat_template"),
                                                std::move(runner), o);
  } else {
    engine_ = std::make_unique<InferenceEngine>(Tokenizer::fromHfDirectory(path),
                                                readHfChatTemplate(path), std::move(runner), o);
  }
}

}  // namespace wharf::engine

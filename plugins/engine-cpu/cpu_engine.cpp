#include "cpu_engine.hpp"

#include <filesystem>
#include <optional>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/cpu/quantize/model_quantizer.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/model/quant_checkpoint.hpp"
#include "engine/text/hf_chat_template.hpp"

namespace wharf::engine_cpu {

namespace {

size_t nonNegative(const Config& c, const std::string& key) {
  int64_t v = c.integer(key);
  if (v < 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, "key '" + key + "' must not be negative");
  return static_cast<size_t>(v);
}

size_t positive(const Config& c, const std::string& key) {
  size_t v = nonNegative(c, key);
  if (v == 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, "key '" + key + "' must be positive");
  return v;
}

}  // namespace

CpuEngine::CpuEngine(const Config& config, const Host& host)
    : host_(host), quant_backends_(config.list("quantization")) {
  const std::string path = config.required("model");
  int threads = static_cast<int>(nonNegative(config, "threads"));
  const int ranks = static_cast<int>(positive(config, "tensor_parallel_size"));
  path_ = path;
  threads_ = threads;
  // A directory is a Hugging Face model (config.json, safetensors, tokenizer.json), else GGUF.
  const bool hf = engine::isHfModelDirectory(path);
  std::shared_ptr<const engine::GgufFile> gguf;
  std::shared_ptr<const engine::HfCheckpoint> checkpoint;
  std::unique_ptr<engine::ModelRunner> runner;
  if (hf) {
    std::optional<engine::QuantLoad> quant;
    if (auto q = engine::readQuantizationConfig(path)) {
      std::vector<QuantClient> backends;
      for (const std::string& name : quant_backends_)
        backends.push_back(QuantClient::lookup(host, name));
      quant = engine::QuantLoad{engine::selectQuantBackend(backends, *q, "quantization"), *q};
    }
    checkpoint = engine::HfCheckpoint::open(path, quant ? &*quant : nullptr);
    checkpoint_ = checkpoint;
    runner = engine::CpuLlamaRunner::create(checkpoint, threads, ranks);
  } else {
    gguf = std::make_shared<engine::GgufFile>(engine::GgufFile::open(path));
    runner = engine::CpuLlamaRunner::create(gguf, threads, ranks);
  }

  engine::EngineOptions o;
  o.model_id = config.str("model_id");
  if (o.model_id.empty()) {
    std::filesystem::path p(path);
    if (hf && !p.has_filename()) p = p.parent_path();
    o.model_id = hf ? p.filename().string() : p.stem().string();
  }
  o.kv_cache_bytes = positive(config, "kv_cache_bytes");
  o.max_num_seqs = positive(config, "max_num_seqs");
  o.max_num_batched_tokens = positive(config, "max_num_batched_tokens");
  o.max_waiting = positive(config, "max_waiting");
  o.max_model_len = nonNegative(config, "max_model_len");
  o.prefix_caching = config.boolean("prefix_caching");
  const int parallelism = runner->parallelism();
  if (hf) {
    engine_ = std::make_unique<engine::InferenceEngine>(engine::Tokenizer::fromHfDirectory(path),
                                                        engine::readHfChatTemplate(path),
                                                        std::move(runner), o);
  } else {
    engine_ = std::make_unique<engine::InferenceEngine>(
        engine::Tokenizer::fromGguf(*gguf), gguf->stringValue("tokenizer.chat_template"),
        std::move(runner), o);
  }
  host.info(
      "engine-cpu: model '" + o.model_id + "' (" + path + "), " +
      std::to_string(engine_->maxModelLen()) + " tokens context, " +
      std::to_string(engine_->kvBlocks()) + " KV blocks of 16 tokens, " +
      std::to_string(parallelism) + " threads" +
      (ranks > 1 ? " in " + std::to_string(ranks) + " tensor-parallel ranks" : std::string()) +
      ", kernels " +
      (checkpoint && !checkpoint->config.quantization.empty()
           ? "quant backend " + checkpoint->config.quantization + " and "
           : std::string()) +
      engine::simdLevelName(engine::kernels().level));
}

bool CpuEngine::runCommand(const std::string& command, const std::vector<std::string>& args,
                           const std::function<void(const std::string&)>& out) {
  if (command != "quantize") return false;
  const engine::QuantizeOptions options = engine::QuantizeOptions::parse(args);
  if (!checkpoint_)
    throw Error(WHARF_ERR_UNSUPPORTED, "quantize: '" + path_ +
                                           "' is a GGUF file; quantize reads a Hugging Face "
                                           "directory (safetensors, config.json)");
  const std::string method = options.method == "rtn" ? "awq" : options.method;
  QuantClient backend;
  for (const std::string& name : quant_backends_) {
    QuantClient b = QuantClient::lookup(host_, name);
    if (b.method() == method) backend = b;
  }
  if (!backend)
    throw Error(WHARF_ERR_UNSUPPORTED, "quantize: no quant backend with method '" + method +
                                           "' in the 'quantization' key");
  const std::unique_ptr<engine::Tokenizer> tokenizer = engine::Tokenizer::fromHfDirectory(path_);
  engine::quantizeModel(
      checkpoint_, *tokenizer, backend, options, threads_, [this] { return host_.stopping(); },
      out);
  return true;
}

}  // namespace wharf::engine_cpu

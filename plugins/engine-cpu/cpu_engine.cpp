#include "cpu_engine.hpp"

#include <optional>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/cpu/quantize/model_quantizer.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/model/quant_checkpoint.hpp"

namespace wharf::engine_cpu {

CpuEngine::CpuEngine(const Config& config, const Host& host)
    : host_(host), quant_backends_(config.list("quantization")) {
  const std::string path = config.required("model");
  int threads = static_cast<int>(nonNegative(config, "threads"));
  const int ranks = static_cast<int>(positive(config, "tensor_parallel_size"));
  engine::CpuRunnerOptions options;
  options.q8_0_head = config.str("lm_head", "as_stored") == "q8_0";
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
    runner = engine::CpuLlamaRunner::create(checkpoint, threads, ranks, options);
  } else {
    gguf = std::make_shared<engine::GgufFile>(engine::GgufFile::open(path));
    gguf_ = gguf;
    runner = engine::CpuLlamaRunner::create(gguf, threads, ranks, options);
  }

  const int parallelism = runner->parallelism();
  start(config, path, gguf.get(), std::move(runner), positive(config, "kv_cache_bytes"));
  host.info(
      "engine-cpu: model '" + modelId() + "' (" + path + "), " +
      std::to_string(engine().maxModelLen()) + " tokens context, " +
      std::to_string(engine().kvBlocks()) + " KV blocks of 16 tokens, " +
      std::to_string(parallelism) + " threads" +
      (ranks > 1 ? " in " + std::to_string(ranks) + " tensor-parallel ranks" : std::string()) +
      (options.q8_0_head ? ", LM head as Q8_0" : "") + ", kernels " +
      (checkpoint && !checkpoint->config.quantization.empty()
           ? "quant backend " + checkpoint->config.quantization + " and "
           : std::string()) +
      engine::simdLevelName(engine::kernels().level));
}

bool CpuEngine::runCommand(const std::string& command, const std::vector<std::string>& args,
                           const std::function<void(const std::string&)>& out) {
  if (command != "quantize") return false;
  const engine::QuantizeOptions options = engine::QuantizeOptions::parse(args);
  const std::string method = options.method == "rtn" ? "awq" : options.method;
  QuantClient backend;
  for (const std::string& name : quant_backends_) {
    QuantClient b = QuantClient::lookup(host_, name);
    if (b.method() == method) backend = b;
  }
  if (!backend)
    throw Error(WHARF_ERR_UNSUPPORTED, "quantize: no quant backend with method '" + method +
                                           "' in the 'quantization' key");
  const auto stopping = [this] { return host_.stopping(); };
  if (!checkpoint_) {
    engine::quantizeGgufModel(*gguf_, backend, options, threads_, stopping, out);
    return true;
  }
  const std::unique_ptr<engine::Tokenizer> tokenizer = engine::Tokenizer::fromHfDirectory(path_);
  engine::quantizeModel(checkpoint_, *tokenizer, backend, options, threads_, stopping, out);
  return true;
}

}  // namespace wharf::engine_cpu

#include "cuda_engine.hpp"

#include <cstdlib>
#include <string>

#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/cuda_llama_runner.hpp"
#include "engine/cuda/device_buffer.hpp"
#include "engine/cuda/kv_cache_plan.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/hf_checkpoint.hpp"

namespace wharf::engine_cuda {

namespace {

double utilization(const Config& config) {
  const std::string text = config.str("gpu_memory_utilization");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0.0 && v <= 1.0)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "key 'gpu_memory_utilization' must be a number in (0, 1], got '" + text + "'");
  }
  return v;
}

}  // namespace

CudaEngine::CudaEngine(const Config& config, const Host& host) {
  const std::string path = config.required("model");
  const double util = utilization(config);
  const size_t device = nonNegative(config, "device");
  const size_t max_tokens = positive(config, "max_num_batched_tokens");
  if (positive(config, "tensor_parallel_size") != 1) {
    throw Error(WHARF_ERR_UNSUPPORTED,
                "tensor_parallel_size > 1 needs the NCCL communicator, which is not "
                "built yet (engine-cpu shards on the CPU)");
  }
  const engine::cuda::CudaProbe probe = engine::cuda::probeCudaDevices();
  if (probe.devices == 0) {
    throw Error(WHARF_ERR_UNAVAILABLE, probe.problem + "; serve the model with engine-cpu here");
  }
  if (device >= static_cast<size_t>(probe.devices)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "device " + std::to_string(device) +
                                                " does not exist (" +
                                                std::to_string(probe.devices) + " CUDA devices)");
  }
  std::shared_ptr<const engine::GgufFile> gguf;
  std::unique_ptr<engine::cuda::CudaLlamaRunner> runner;
  if (engine::isHfModelDirectory(path)) {
    auto checkpoint = engine::HfCheckpoint::open(path, nullptr);
    model_ = checkpoint;
    runner = std::make_unique<engine::cuda::CudaLlamaRunner>(
        checkpoint->config, checkpoint->weights, static_cast<int>(device), max_tokens);
  } else {
    gguf = std::make_shared<engine::GgufFile>(engine::GgufFile::open(path));
    model_ = gguf;
    const engine::ModelConfig c = engine::readModelConfig(*gguf);
    runner = std::make_unique<engine::cuda::CudaLlamaRunner>(
        c, engine::LlamaWeights::load(*gguf, c), static_cast<int>(device), max_tokens);
  }
  // The weights and the largest step's workspace are allocated: the cache gets the rest.
  engine::cuda::KvCacheRequest request;
  request.after_profile = engine::cuda::deviceMemory();
  request.utilization = util;
  request.bytes_per_block = runner->kvBytesPerBlock();
  const size_t max_model_len = nonNegative(config, "max_model_len");
  request.max_model_len =
      max_model_len ? max_model_len : static_cast<size_t>(runner->config().context_length);
  const engine::cuda::KvCachePlan plan = engine::cuda::planKvCache(request);
  const engine::RunnerMemory memory = runner->memory();
  start(config, path, gguf.get(), std::move(runner), plan.kv_bytes);
  host.info("engine-cuda: model '" + modelId() + "' (" + path + ") on " + memory.device + ", " +
            engine::cuda::formatBytes(memory.weights_bytes) + " of weights, " +
            std::to_string(engine().kvBlocks()) + " KV blocks of 16 tokens (" +
            engine::cuda::formatBytes(plan.kv_bytes) + ", gpu_memory_utilization " +
            config.str("gpu_memory_utilization") + ")");
}

}  // namespace wharf::engine_cuda

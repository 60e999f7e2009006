// Registration of the engine-cuda plugin: its INI keys and the exported entry point.
#include "cuda_engine.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"model", WHARF_KEY_PATH, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "GGUF model file or Hugging Face model directory (llama, mistral or qwen2 architecture)"},
    {"device", WHARF_KEY_INT, 0, kNoKind, "0", nullptr, "CUDA device index (rank 0's)"},
    {"gpu_memory_utilization", WHARF_KEY_STRING, 0, kNoKind, "0.90", nullptr,
     "share of the device's memory for weights, workspace and the KV cache, in (0, 1]; the KV "
     "cache gets what the weights and the largest step's workspace leave"},
    {"tensor_parallel_size", WHARF_KEY_INT, 0, kNoKind, "1", nullptr,
     "devices the model is sharded over (Megatron-style, NCCL)"},
    WHARF_HOSTED_ENGINE_KEYS("8192"),
};

}  // namespace

WHARF_ENGINE_PLUGIN(wharf::engine_cuda::CudaEngine, "engine-cuda", "0.1.0",
                    "LLM inference on NVIDIA GPUs (CUDA, cuBLAS; llama-family GGUF files and "
                    "Hugging Face directories)",
                    kKeys)

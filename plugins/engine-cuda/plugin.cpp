// Registration of the engine-cuda plugin: its INI keys and the exported entry point.
#include "cuda_engine.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"model", WHARF_KEY_PATH, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "GGUF model file or Hugging Face model directory (llama, mistral or qwen2 architecture)"},
    {"model_id", WHARF_KEY_STRING, 0, kNoKind, nullptr, nullptr,
     "model name reported to clients (default: the file or directory name)"},
    {"device", WHARF_KEY_INT, 0, kNoKind, "0", nullptr, "CUDA device index (rank 0's)"},
    {"gpu_memory_utilization", WHARF_KEY_STRING, 0, kNoKind, "0.90", nullptr,
     "share of the device's memory for weights, workspace and the KV cache, in (0, 1]; the KV "
     "cache gets what the weights and the largest step's workspace leave"},
    {"tensor_parallel_size", WHARF_KEY_INT, 0, kNoKind, "1", nullptr,
     "devices the model is sharded over (Megatron-style, NCCL)"},
    {"max_num_seqs", WHARF_KEY_INT, 0, kNoKind, "256", nullptr,
     "most sequences running in one batch (and the largest CUDA graph)"},
    {"max_num_batched_tokens", WHARF_KEY_INT, 0, kNoKind, "8192", nullptr,
     "most tokens computed in one step (prefill is chunked to fit)"},
    {"max_waiting", WHARF_KEY_INT, 0, kNoKind, "1024", nullptr,
     "most queued requests; more are refused as unavailable"},
    {"max_model_len", WHARF_KEY_INT, 0, kNoKind, "0", nullptr,
     "context length limit in tokens (0 = the model's)"},
    {"prefix_caching", WHARF_KEY_BOOL, 0, kNoKind, "true", nullptr,
     "share the KV blocks of common prompt prefixes"},
};

}  // namespace

WHARF_ENGINE_PLUGIN(wharf::engine_cuda::CudaEngine, "engine-cuda", "0.1.0",
                    "LLM inference on NVIDIA GPUs (CUDA, cuBLAS; llama-family GGUF files and "
                    "Hugging Face directories)",
                    kKeys)

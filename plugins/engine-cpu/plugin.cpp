// Registration of the engine-cpu plugin: its INI keys and the exported entry point.
#include "cpu_engine.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"model", WHARF_KEY_PATH, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "GGUF model file (F32/F16/BF16/Q8_0/Q4_0/Q4_1) or Hugging Face model directory "
     "(config.json, safetensors, tokenizer.json); llama, mistral or qwen2 architecture"},
    {"threads", WHARF_KEY_INT, 0, kNoKind, "0", nullptr,
     "compute threads (0 = one per hardware thread)"},
    {"tensor_parallel_size", WHARF_KEY_INT, 0, kNoKind, "1", nullptr,
     "ranks the model is sharded over (Megatron-style, threads as ranks, the threads split "
     "between them); must divide the attention heads, the KV heads (or be a multiple of them) "
     "and the MLP width"},
    {"kv_cache_bytes", WHARF_KEY_SIZE, 0, kNoKind, "512M", nullptr,
     "memory for the paged KV cache (16-token blocks)"},
    {"lm_head", WHARF_KEY_ENUM, 0, kNoKind, "as_stored", "as_stored|q8_0",
     "the LM head's weights: as the model stores them, or re-encoded as Q8_0 at load (an F16 head "
     "reads half the bytes per decoded token, as llama.cpp's GGUF files store it; the logits move "
     "by its rounding only, the token embedding stays as stored)"},
    WHARF_HOSTED_ENGINE_KEYS("2048"),
    {"quantization", WHARF_KEY_INSTANCE, WHARF_KEY_LIST, WHARF_KIND_QUANT, nullptr, nullptr,
     "quant backend instances for quantized checkpoints: the one whose method is the checkpoint's "
     "quantization_config.quant_method (else the first that recognizes it) runs its layers"},
};

}  // namespace

WHARF_ENGINE_PLUGIN(
    wharf::engine_cpu::CpuEngine, "engine-cpu", "0.1.0",
    "LLM inference on the CPU (llama-family GGUF files and Hugging Face directories; "
    "AVX2/AVX-512 kernels)",
    kKeys)

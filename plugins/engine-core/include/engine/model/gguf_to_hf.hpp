// A llama-family GGUF file written as a Hugging Face model directory, for tools that read HF
// checkpoints (`wharfd quantize --model FILE.gguf` quantizes the result):
//   - model.safetensors: every tensor dequantized to F16 under its HF name (blk.N.attn_q ->
//     model.layers.N.self_attn.q_proj, token_embd -> model.embed_tokens, ...); the q/k rows of an
//     interleaved-RoPE architecture (llama, mistral) are permuted back to HF's rotate-half layout,
//     the inverse of llama.cpp's conversion;
//   - config.json from the GGUF metadata (readModelConfig), which parseHfConfig reads back to the
//     same ModelConfig;
//   - the tokenizer files (hf_tokenizer_writer.hpp).
// Tensors go one at a time through SafetensorsWriter, so the model is never held whole in memory.
#pragma once

#include <functional>
#include <string>

namespace wharf::engine {

class GgufFile;

// Writes into the existing, empty directory `dir`. Throws wharf::Error naming the file:
// UNSUPPORTED for what a config.json cannot say (per-frequency RoPE factors, partial rotary
// dimensions, a SentencePiece vocabulary) and for tensors without an HF name; DATA for a corrupt
// file; IO when writing fails; CANCELLED when `stopping` (asked between tensors) says so.
void writeHfDirectory(const GgufFile& gguf, const std::string& dir,
                      const std::function<bool()>& stopping = {});

}  // namespace wharf::engine

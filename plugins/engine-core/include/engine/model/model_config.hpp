// Hyper-parameters of a llama-family model (llama, mistral, qwen2), read from GGUF metadata
// (readModelConfig) or from a Hugging Face config.json (hf_config.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wharf::engine {

class GgufFile;

enum class RopeStyle {
  Interleaved,  // llama/mistral in GGUF: rotate pairs (2i, 2i+1) (GGML "normal" mode)
  Neox,         // qwen2: rotate pairs (i, i + d/2)
};

// Linear: positions divided by the factor. Llama3 (Llama 3.1+ config.json "rope_type": "llama3"):
// wavelengths longer than original_context / low_freq_factor are divided by the factor, those
// shorter than original_context / high_freq_factor are kept, and the band between is blended.
enum class RopeScaling { None, Linear, Llama3 };

struct ModelConfig {
  std::string architecture;  // "llama", "mistral", "qwen2"
  std::string name;          // general.name when present
  std::string quantization;  // quant method of a quantized checkpoint's linear layers, else ""
  int64_t context_length = 0;
  int64_t embedding_length = 0;
  int64_t block_count = 0;
  int64_t feed_forward_length = 0;
  int64_t head_count = 0;
  int64_t head_count_kv = 0;
  int64_t head_dim = 0;
  int64_t rope_dim = 0;  // leading dims of each head that are rotated
  int64_t vocab_size = 0;
  double rms_eps = 1e-5;
  double rope_freq_base = 10000.0;
  RopeStyle rope_style = RopeStyle::Interleaved;
  RopeScaling rope_scaling = RopeScaling::None;
  double rope_scaling_factor = 1.0;
  double rope_low_freq_factor = 1.0;     // Llama3
  double rope_high_freq_factor = 4.0;    // Llama3
  int64_t rope_original_context = 8192;  // Llama3: original_max_position_embeddings
  bool tied_embeddings = false;          // no output.weight: the token embedding is the LM head
  bool attention_bias = false;           // q/k/v biases (qwen2)
  // Sliding-window attention (Mistral 7B v0.1): a token sees itself and the window - 1 tokens
  // before it; 0 = the whole context.
  int64_t sliding_window = 0;

  int64_t kvDim() const { return head_count_kv * head_dim; }
  int64_t groupSize() const { return head_count / head_count_kv; }
};

// Reads and validates the config; throws wharf::Error naming the missing or inconsistent key.
ModelConfig readModelConfig(const GgufFile& gguf);

// The inverse frequency of each rotated pair (rope_dim / 2 of them): base^(-2i/rope_dim) with the
// config's scaling, divided by freq_factors[i] when given (GGUF rope_freqs.weight).
std::vector<double> ropeInverseFrequencies(const ModelConfig& config,
                                           const std::vector<float>& freq_factors);

}  // namespace wharf::engine

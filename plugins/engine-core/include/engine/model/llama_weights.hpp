// Views of a llama-family model's weights inside the mapped GGUF file (no copies of the matrices;
// norms and biases are small and kept as f32 copies).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/gguf.hpp"
#include "engine/model/model_config.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::engine {

// rows x cols, one GGML-typed row per output feature (GGUF dims = {cols, rows}); or a layer of a
// quantized checkpoint, computed by its quant backend (`quant` set, `data` null).
struct WeightMatrix {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
  const QuantLinear* quant = nullptr;  // owned by the checkpoint the weights came from

  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
  bool quantized() const {
    return type == GgmlType::Q4_0 || type == GgmlType::Q4_1 || type == GgmlType::Q8_0;
  }
};

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  WeightMatrix q, k, v, o;
  std::vector<float> q_bias, k_bias, v_bias;  // empty when the model has none
  WeightMatrix gate, up, down;
};

struct LlamaWeights {
  WeightMatrix token_embd;
  WeightMatrix output;  // token_embd when the embeddings are tied
  std::vector<float> output_norm;
  std::vector<float> rope_freq_factors;  // rope_freqs.weight (Llama 3.1 style), else empty
  std::vector<LayerWeights> layers;

  // Bytes the weights take as the runner reads them (matrices where they are mapped, f32 copies).
  uint64_t bytes() const;
  // Checks every shape against the config; throws wharf::Error naming the tensor.
  static LlamaWeights load(const GgufFile& gguf, const ModelConfig& config);
};

}  // namespace wharf::engine

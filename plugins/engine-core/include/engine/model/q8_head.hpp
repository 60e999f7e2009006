// The LM head re-encoded at load as Q8_0 (GGML blocks of 32 weights: an f16 scale and 32 int8),
// as llama.cpp's GGUF files store it: an F16/BF16 head reads about half the bytes per decoded
// token (SmolLM2-135M: 56 MB of F16, two fifths of the model's weights, against 30 MB), and the
// logits move by its rounding only. The token embedding stays as stored (a tied model's lookups
// stay exact); the head becomes a copy of its own. A head that is already block-quantized, or is a
// quant backend's layer, or whose width is not a multiple of 32, is kept as it is.
#pragma once

#include <memory>

#include "engine/model/llama_weights.hpp"

namespace wharf::engine {

struct OwnedWeights {
  std::shared_ptr<const void> storage;  // what the views point into: the old storage and the copy
  LlamaWeights weights;
};

// `weights` (views into `storage`) with a Q8_0 copy of the head; `converted` says whether a copy
// was made.
OwnedWeights withQ8_0Head(std::shared_ptr<const void> storage, LlamaWeights weights,
                          bool* converted = nullptr);

}  // namespace wharf::engine

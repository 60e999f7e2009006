// GGML block layouts of the supported quantized types, and the Q8 block that activations are
// quantized to before quantized dot products, as llama.cpp does (its Q8_0 / Q8_1): 32 int8 values,
// the scale, and the sum of the int8 values (which lets Q4_0/Q4_1 use unsigned nibbles). The scale
// d and the Q4_1 offset term s are rounded to f16 exactly like llama.cpp stores them, so that both
// engines compute the same numbers (SmolLM2's logits move by ~0.3 with such roundings).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/model/ggml_type.hpp"

namespace wharf::engine {

constexpr size_t kQBlock = 32;

// Q4_0: fp16 d, 16 bytes of nibbles; weight j = d * ((qs[j] & 15) - 8), j + 16 uses the high
// nibble.
constexpr size_t kQ4_0Bytes = 18;
// Q4_1: fp16 d, fp16 m, 16 bytes of nibbles; weight = d * q + m.
constexpr size_t kQ4_1Bytes = 20;
// Q8_0: fp16 d, 32 int8.
constexpr size_t kQ8_0Bytes = 34;

struct BlockQ8 {
  float d;      // f16-rounded scale
  float s;      // f16-rounded (exact scale x sum), llama.cpp's Q8_1 "s"
  int32_t sum;  // sum of qs
  int8_t qs[kQBlock];
};

// Scalar reference conversions (used for embeddings lookups and tests).
void dequantizeRow(GgmlType type, const uint8_t* row, float* out, size_t n);
void quantizeRowQ8Reference(const float* x, BlockQ8* y, size_t n);

// Encoders used by tests and tools to build quantized weights from floats.
void quantizeRowQ4_0(const float* x, uint8_t* out, size_t n);
void quantizeRowQ4_1(const float* x, uint8_t* out, size_t n);
void quantizeRowQ8_0(const float* x, uint8_t* out, size_t n);

}  // namespace wharf::engine

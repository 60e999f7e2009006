// Round-to-nearest 4-bit quantization of one weight matrix into AutoAWQ's "gemm" tensors, per
// group of G inputs of each output feature: with a zero point, s = (max - min) / 15 and
// z = round(-min / s); without, s = max|w| / 7 and z = 8; then q = clamp(round(w / s) + z, 0, 15).
// s is rounded to f16 first and every step is f32 with round-half-to-even, so the output matches
// tests/quant/packing_reference.py bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "wharf/cpp/tensor.hpp"

namespace wharf::quant_awq {

struct AwqTensors {
  int64_t n = 0, k = 0, group = 0;
  std::vector<int32_t> qweight;  // [K, N/8]
  std::vector<int32_t> qzeros;   // [K/G, N/8]
  std::vector<uint16_t> scales;  // [K/G, N], f16 bits
};

// weight: host F32/F16/BF16 [N, K] with N % 8 == 0 and K % group == 0; throws
// wharf::Error(INVALID_ARGUMENT) naming the shape otherwise.
AwqTensors quantizeAwqRtn(const wharf_tensor& weight, int64_t group, bool zero_point);

// Emits qweight, qzeros and scales through a wharf_tensor_sink_fn.
void emitAwqTensors(const AwqTensors& t, wharf_tensor_sink_fn sink, void* ctx);

}  // namespace wharf::quant_awq

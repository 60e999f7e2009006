// An AWQ linear layer repacked for the CPU kernels. Per output row n, the K inputs are cut into
// superblocks of 64: byte j (0..31) of superblock s holds input 64s + j in its low nibble and
// input 64s + 32 + j in its high nibble, so that one 32-byte load gives two blocks of 32 weights
// that meet two consecutive 32-value blocks of Q8 activations. Every group of G inputs (a multiple
// of 32) has w = q * scale + min, with min = -zero * scale, as f32.
#pragma once

#include <cstdint>
#include <vector>

#include "wharf/cpp/tensor.hpp"

namespace wharf::quant_awq {

struct AwqConfig;

struct AwqWeights {
  int64_t n = 0, k = 0, group = 0;
  std::vector<uint8_t> nibbles;  // [n][k / 2]
  std::vector<float> scale;      // [n][k / group]
  std::vector<float> min;        // [n][k / group]

  int64_t groups() const { return k / group; }
  const uint8_t* rowNibbles(int64_t r) const {
    return nibbles.data() + static_cast<size_t>(r) * static_cast<size_t>(k / 2);
  }
  const float* rowScale(int64_t r) const {
    return scale.data() + static_cast<size_t>(r) * static_cast<size_t>(groups());
  }
  const float* rowMin(int64_t r) const {
    return min.data() + static_cast<size_t>(r) * static_cast<size_t>(groups());
  }
  uint64_t bytes() const { return nibbles.size() + (scale.size() + min.size()) * sizeof(float); }
  // The 4-bit value of weight (row r, input i).
  uint8_t quantAt(int64_t r, int64_t i) const;
  // The dequantized weight (row r, input i).
  float at(int64_t r, int64_t i) const;

  // From AutoAWQ's qweight I32 [K, N/8], qzeros I32 [K/G, N/8] and scales F16 [K/G, N]. Throws
  // wharf::Error(DATA / NOT_FOUND) naming the tensor whose shape or dtype is wrong, or missing.
  static AwqWeights fromCheckpoint(const AwqConfig& config,
                                   const std::vector<wharf_tensor>& tensors);
};

}  // namespace wharf::quant_awq

// The CPU kernels of quant-awq: activations quantized to Q8 blocks of 32 (one f32 scale each, as
// llama.cpp does for its 4-bit formats) meet the repacked 4-bit weights (awq_weights.hpp) in
// integer dot products; scalar, AVX2 and AVX-512 (VNNI when present) versions, compiled with
// target attributes and chosen at run time (WHARF_SIMD caps the level).
#pragma once

#include <cstdint>
#include <vector>

#include "awq_weights.hpp"
#include "wharf_cpu/simd_level.hpp"

namespace wharf::quant_awq {

// Rows of activations as the kernels read them: row t has q[t * k .. +k) int8 values, d[t * k/32
// ..] block scales, and gsum[t * groups ..] = sum over the group's blocks of d * sum(q), the
// activation sum each group's `min` multiplies.
struct QuantizedRows {
  int64_t rows = 0, k = 0, groups = 0;
  std::vector<int8_t> q;
  std::vector<float> d;
  std::vector<float> gsum;

  void resize(int64_t rows, int64_t k, int64_t group);
  // Quantizes row t of x (k floats).
  void quantizeRow(int64_t t, const float* x);
  const int8_t* qRow(int64_t t) const { return q.data() + t * k; }
  const float* dRow(int64_t t) const { return d.data() + t * (k / 32); }
  const float* gsumRow(int64_t t) const { return gsum.data() + t * groups; }
};

// out[i] = dot(weight row r, activation row t0 + i) for i < nt (1..4): the row's nibbles are
// unpacked once for the nt activation rows.
using AwqDotFn = void (*)(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0,
                          int nt, float* out);

struct AwqKernels {
  cpu::SimdLevel level;
  AwqDotFn dot;
};

// The kernels for `level`, or nullptr when this CPU lacks it.
const AwqKernels* awqKernelsFor(cpu::SimdLevel level);
// The best kernels this CPU runs within WHARF_SIMD's cap.
const AwqKernels& awqKernels();

namespace detail {
void awqDotScalar(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                  float* out);
void awqDotAvx2(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                float* out);
void awqDotAvx512(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                  float* out);
void awqDotAvx512Vnni(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                      float* out);
}  // namespace detail

}  // namespace wharf::quant_awq

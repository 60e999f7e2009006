// CPU compute kernels with runtime dispatch: a scalar version that runs on any CPU, and AVX2
// (avx2+fma+f16c) and AVX-512 (f+bw+vl, with VNNI when present) versions compiled with target
// attributes and chosen at start-up from what the CPU reports. WHARF_SIMD=scalar|avx2|avx512
// caps the level (tests and benchmarks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/model/quant_blocks.hpp"
#include "wharf_cpu/simd_level.hpp"

namespace wharf::engine {

using cpu::SimdLevel;
using cpu::simdLevelName;

struct KernelTable {
  SimdLevel level;
  // Dot products of one quantized weight row (nb blocks of 32) with a Q8-quantized activation row.
  float (*dot_q4_0)(const uint8_t* w, const BlockQ8* x, size_t nb);
  float (*dot_q4_1)(const uint8_t* w, const BlockQ8* x, size_t nb);
  float (*dot_q8_0)(const uint8_t* w, const BlockQ8* x, size_t nb);
  // The same against 4 activation rows at once (x, x + stride, x + 2 stride, x + 3 stride; stride
  // in blocks): each weight block is unpacked once for 4 tokens (prefill, batched decode).
  void (*dot4_q4_0)(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out);
  void (*dot4_q4_1)(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out);
  void (*dot4_q8_0)(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out);
  // 2 consecutive weight rows (row_bytes apart) x 4 activation rows: out[r * 4 + t]. Each result
  // is bitwise the one the 1-row, 1-token kernel gives.
  void (*dot2x4_q4_0)(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride,
                      size_t nb, float* out);
  void (*dot2x4_q4_1)(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride,
                      size_t nb, float* out);
  void (*dot2x4_q8_0)(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride,
                      size_t nb, float* out);
  // Dot products of half-precision weight rows with f32 activations.
  float (*dot_f16)(const uint8_t* w, const float* x, size_t n);
  float (*dot_bf16)(const uint8_t* w, const float* x, size_t n);
  float (*dot_f32)(const float* a, const float* b, size_t n);
  // y += a * x, with x in f32 or IEEE half.
  void (*axpy)(float a, const float* x, float* y, size_t n);
  void (*axpy_f16)(float a, const uint8_t* x, float* y, size_t n);
  // Attention over a run of IEEE-half K or V rows (row j at base + j * stride bytes):
  // scores[j] = q · k_j, and out += sum_j w[j] * v_j, both over hd elements.
  void (*dot_f16_rows)(const uint8_t* k, size_t stride, size_t n, const float* q, size_t hd,
                       float* scores);
  void (*axpy_f16_rows)(const uint8_t* v, size_t stride, size_t n, const float* w, float* out,
                        size_t hd);
  // x[i] = the nearest IEEE half to x[i], as a float.
  void (*round_to_f16)(float* x, size_t n);
  // Activations to Q8 blocks (n a multiple of 32).
  void (*quantize_q8)(const float* x, BlockQ8* y, size_t n);
};

// The best table for this CPU (respecting WHARF_SIMD).
const KernelTable& kernels();
// The table of one level, or nullptr when this CPU cannot run it (or it was not compiled in).
const KernelTable* kernelsFor(SimdLevel level);
// Every level this CPU can run, lowest first.
std::vector<SimdLevel> availableSimdLevels();

namespace detail {
// Two 1-row x 4-token calls: the 2x4 kernel for levels without a dedicated one.
template <void (*Dot4)(const uint8_t*, const BlockQ8*, size_t, size_t, float*)>
void dot2x4Pair(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride, size_t nb,
                float* out) {
  Dot4(w, x, stride, nb, out);
  Dot4(w + row_bytes, x, stride, nb, out + 4);
}
const KernelTable& scalarKernels();
const KernelTable* avx2Kernels();
const KernelTable* avx512Kernels(bool vnni);
}  // namespace detail

}  // namespace wharf::engine

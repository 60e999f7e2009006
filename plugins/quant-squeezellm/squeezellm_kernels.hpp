// The CPU kernels of quant-squeezellm: f32 activations (no activation quantization) meet the
// repacked 4-bit lookup-table indices (squeezellm_weights.hpp); each weight is looked up in its
// row's 16-entry f32 table once per group of up to 4 activation rows and FMA'd into each. Scalar,
// AVX2 (the table in two ymm: vpermps on each half and a blend on bit 3 of the index) and AVX-512
// (the table in one zmm: vpermps over widened index bytes) versions, compiled with target
// attributes and chosen at run time (WHARF_SIMD caps the level).
#pragma once

#include <cstdint>

#include "squeezellm_weights.hpp"
#include "wharf_cpu/simd_level.hpp"

namespace wharf::quant_squeezellm {

// out[u] = sum over i of LUT[r][index(r, i)] * x[u * ldx + i] for u < nt (1..4): the dense part
// of weight row r against nt activation rows, the row's indices read once for all of them. The
// result of one activation row does not depend on nt.
using SqueezeLlmDotFn = void (*)(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx,
                                 int nt, float* out);

struct SqueezeLlmKernels {
  cpu::SimdLevel level;
  SqueezeLlmDotFn dot;
};

// The kernels for `level`, or nullptr when this CPU lacks it (Avx512Vnni runs the AVX-512 kernels:
// there is no integer dot product to use VNNI for).
const SqueezeLlmKernels* squeezeLlmKernelsFor(cpu::SimdLevel level);
// The best kernels this CPU runs within WHARF_SIMD's cap.
const SqueezeLlmKernels& squeezeLlmKernels();

// out[u] += sum of S[r][i] * x[u * ldx + i] over row r's sparse corrections, for u < nt.
void addSparse(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
               float* out);

namespace detail {
void squeezeLlmDotScalar(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                         float* out);
void squeezeLlmDotAvx2(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                       float* out);
void squeezeLlmDotAvx512(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                         float* out);
}  // namespace detail

}  // namespace wharf::quant_squeezellm

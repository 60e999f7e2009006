// AVX-512 (f + bw + vl) SqueezeLLM dot products: a row's whole 16-entry table lives in one zmm; a
// block's 16 index bytes widened to 32-bit lanes index it directly for inputs 0..15 (vpermps reads
// the low 4 bits) and, shifted right by 4, for inputs 16..31. Two blocks per step into four
// accumulators per activation row keep the FMA chains short.
#include "squeezellm_kernels.hpp"

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values and trip -Wuninitialized
// (a known false positive of the headers, not of this code).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#define WHARF_SQUEEZELLM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

namespace wharf::quant_squeezellm::detail {

namespace {

// Block b of the row (16 index bytes at p) against NT activation rows, into accumulators a0, a1.
template <int NT>
WHARF_SQUEEZELLM_AVX512 inline void step(__m512 table, const uint8_t* p, const float* x,
                                         int64_t ldx, int64_t b, __m512 (&acc)[NT][4], int a0) {
  const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m512 w0 = _mm512_permutexvar_ps(v, table);                        // inputs 0..15
  const __m512 w1 = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), table);  // inputs 16..31
  for (int u = 0; u < NT; ++u) {
    const float* xb = x + u * ldx + b * 32;
    acc[u][a0] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(xb), acc[u][a0]);
    acc[u][a0 + 1] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(xb + 16), acc[u][a0 + 1]);
  }
}

template <int NT>
WHARF_SQUEEZELLM_AVX512 void dotRows(const SqueezeLlmWeights& w, int64_t r, const float* x,
                                     int64_t ldx, float* out) {
  const __m512 table = _mm512_loadu_ps(w.rowLut(r));
  const uint8_t* nib = w.rowNibbles(r);
  const int64_t blocks = w.k / 32;
  __m512 acc[NT][4];
  for (int u = 0; u < NT; ++u)
    for (int a = 0; a < 4; ++a) acc[u][a] = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 1 < blocks; b += 2) {
    step<NT>(table, nib + b * 16, x, ldx, b, acc, 0);
    step<NT>(table, nib + (b + 1) * 16, x, ldx, b + 1, acc, 2);
  }
  if (b < blocks) step<NT>(table, nib + b * 16, x, ldx, b, acc, 0);
  for (int u = 0; u < NT; ++u)
    out[u] = _mm512_reduce_add_ps(
        _mm512_add_ps(_mm512_add_ps(acc[u][0], acc[u][1]), _mm512_add_ps(acc[u][2], acc[u][3])));
}

}  // namespace

void squeezeLlmDotAvx512(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                         float* out) {
  switch (nt) {
    case 1:
      return dotRows<1>(w, r, x, ldx, out);
    case 2:
      return dotRows<2>(w, r, x, ldx, out);
    case 3:
      return dotRows<3>(w, r, x, ldx, out);
    default:
      return dotRows<4>(w, r, x, ldx, out);
  }
}

}  // namespace wharf::quant_squeezellm::detail

#else  // not x86: never selected (cpuSupports is false), kept for the kernel table

namespace wharf::quant_squeezellm::detail {
void squeezeLlmDotAvx512(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                         float* out) {
  squeezeLlmDotScalar(w, r, x, ldx, nt, out);
}
}  // namespace wharf::quant_squeezellm::detail

#endif

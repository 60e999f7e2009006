// AVX2 (avx2 + fma + f16c) SqueezeLLM dot products: a row's 16-entry table lives in two ymm; 8
// index bytes widened to 32-bit lanes pick from both halves (vpermps reads the low 3 bits) and a
// blend on bit 3 chooses the half. The low nibbles of a block's 16 bytes are its inputs 0..15, the
// high nibbles its inputs 16..31.
#include "squeezellm_kernels.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#define WHARF_SQUEEZELLM_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace wharf::quant_squeezellm::detail {

namespace {

WHARF_SQUEEZELLM_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// The table entries of 8 indices, one in the low 4 bits of each 32-bit lane (higher bits ignored:
// vpermps reads bits 0..2, the blend bit 3 shifted to the sign).
WHARF_SQUEEZELLM_AVX2 inline __m256 lookup(__m256 lo, __m256 hi, __m256i idx) {
  const __m256 from_lo = _mm256_permutevar8x32_ps(lo, idx);
  const __m256 from_hi = _mm256_permutevar8x32_ps(hi, idx);
  return _mm256_blendv_ps(from_lo, from_hi, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}

// Bytes p[0..7], one in the low 8 bits of each 32-bit lane (higher bits are other bytes, which
// neither the table lookups nor the blend read): two dword broadcasts (load ports), a blend and a
// variable shift, keeping the shuffle port free for the lookups (vpmovzxbd would be one more
// shuffle per 8 weights).
WHARF_SQUEEZELLM_AVX2 inline __m256i widen(const uint8_t* p) {
  int32_t lo, hi;
  std::memcpy(&lo, p, 4);
  std::memcpy(&hi, p + 4, 4);
  const __m256i both = _mm256_blend_epi32(_mm256_set1_epi32(lo), _mm256_set1_epi32(hi), 0xF0);
  return _mm256_srlv_epi32(both, _mm256_setr_epi32(0, 8, 16, 24, 0, 8, 16, 24));
}

template <int NT>
WHARF_SQUEEZELLM_AVX2 void dotRows(const SqueezeLlmWeights& w, int64_t r, const float* x,
                                   int64_t ldx, float* out) {
  const float* lut = w.rowLut(r);
  const uint8_t* nib = w.rowNibbles(r);
  const __m256 lo = _mm256_loadu_ps(lut);
  const __m256 hi = _mm256_loadu_ps(lut + 8);
  __m256 acc[NT][2];
  for (int u = 0; u < NT; ++u) acc[u][0] = acc[u][1] = _mm256_setzero_ps();
  for (int64_t b = 0; b < w.k / 32; ++b) {
    const uint8_t* p = nib + b * 16;
    const __m256i v0 = widen(p);
    const __m256i v1 = widen(p + 8);
    const __m256 w0 = lookup(lo, hi, v0);                        // inputs 0..7
    const __m256 w1 = lookup(lo, hi, v1);                        // inputs 8..15
    const __m256 w2 = lookup(lo, hi, _mm256_srli_epi32(v0, 4));  // inputs 16..23
    const __m256 w3 = lookup(lo, hi, _mm256_srli_epi32(v1, 4));  // inputs 24..31
    for (int u = 0; u < NT; ++u) {
      const float* xb = x + u * ldx + b * 32;
      acc[u][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xb), acc[u][0]);
      acc[u][1] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xb + 8), acc[u][1]);
      acc[u][0] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(xb + 16), acc[u][0]);
      acc[u][1] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(xb + 24), acc[u][1]);
    }
  }
  for (int u = 0; u < NT; ++u) out[u] = hsum(_mm256_add_ps(acc[u][0], acc[u][1]));
}

}  // namespace

void squeezeLlmDotAvx2(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
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
void squeezeLlmDotAvx2(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                       float* out) {
  squeezeLlmDotScalar(w, r, x, ldx, nt, out);
}
}  // namespace wharf::quant_squeezellm::detail

#endif

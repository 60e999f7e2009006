// AVX-512 (f + bw + vl) AWQ dot products: a 64-byte register holds the two blocks of a
// superblock (low nibbles, then high), which meet 64 consecutive Q8 activations; with VNNI one
// vpdpbusd replaces the vpmaddubsw / vpmaddwd pair.
#include "awq_kernels.hpp"

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values and trip -Wuninitialized
// (a known false positive of the headers, not of this code).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#define WHARF_AWQ_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define WHARF_AWQ_AVX512_VNNI \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

namespace wharf::quant_awq::detail {

namespace {

// [a x 8, b x 8]
WHARF_AWQ_AVX512 inline __m512 halves(float a, float b) {
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(a)),
                                             _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

// Integer dot products of 4 consecutive bytes per 32-bit lane (unsigned weights, signed x).
WHARF_AWQ_AVX512 inline __m512i productBw(__m512i w, __m512i x) {
  return _mm512_madd_epi16(_mm512_maddubs_epi16(w, x), _mm512_set1_epi16(1));
}
WHARF_AWQ_AVX512_VNNI inline __m512i productVnni(__m512i w, __m512i x) {
  return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, x);
}

// [d[0] x 8, d[1] x 8]: the scales of two consecutive activation blocks.
WHARF_AWQ_AVX512 inline __m512 blockPair(const float* d) {
  const __m512i pick = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128 two = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(d)));
  return _mm512_permutexvar_ps(pick, _mm512_castps128_ps512(two));
}

// Superblock s of a weight row: its 64 values, low nibbles then high, as bytes.
WHARF_AWQ_AVX512 inline __m512i superblock(const uint8_t* nib, int64_t s) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(nib + s * 32));
  const __m256i lo = _mm256_and_si256(raw, m4);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// acc + the zero points' share, min[g] * sum of group g's activations, 16 groups at a time (a
// masked tail), summed with the products in one reduction.
WHARF_AWQ_AVX512 inline __m512 addMinTerm(__m512 acc, const float* min, const float* gsum,
                                          int64_t groups) {
  int64_t g = 0;
  for (; g + 16 <= groups; g += 16)
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(min + g), _mm512_loadu_ps(gsum + g), acc);
  if (g < groups) {
    const __mmask16 m = static_cast<__mmask16>((1u << (groups - g)) - 1);
    acc =
        _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, min + g), _mm512_maskz_loadu_ps(m, gsum + g), acc);
  }
  return acc;
}

// The same body compiled twice, with and without VNNI (a target attribute per instantiation).
// Groups of a multiple of 64 inputs hold whole superblocks: the products are summed per group
// and meet the group's scale once. Other group sizes (32, 96, ...) scale each block.
#define WHARF_AWQ_DOT_ROWS(NAME, ATTR, PRODUCT)                                                    \
  template <int NT>                                                                                \
  ATTR void NAME(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, float* out) { \
    const uint8_t* nib = w.rowNibbles(r);                                                          \
    const float* scale = w.rowScale(r);                                                            \
    const float* min = w.rowMin(r);                                                                \
    __m512 acc[NT];                                                                                \
    const int8_t* q[NT];                                                                           \
    const float* d[NT];                                                                            \
    for (int u = 0; u < NT; ++u) {                                                                 \
      acc[u] = _mm512_setzero_ps();                                                                \
      q[u] = x.qRow(t0 + u);                                                                       \
      d[u] = x.dRow(t0 + u);                                                                       \
    }                                                                                              \
    if (w.group % 64 == 0) {                                                                       \
      const int64_t per_group = w.group / 64;                                                      \
      for (int64_t g = 0, s = 0; g < w.groups(); ++g) {                                            \
        __m512 gacc[NT];                                                                           \
        for (int u = 0; u < NT; ++u) gacc[u] = _mm512_setzero_ps();                                \
        for (int64_t j = 0; j < per_group; ++j, ++s) {                                             \
          const __m512i wv = superblock(nib, s);                                                   \
          for (int u = 0; u < NT; ++u) {                                                           \
            const __m512i p = PRODUCT(wv, _mm512_loadu_si512(q[u] + s * 64));                      \
            gacc[u] = _mm512_fmadd_ps(blockPair(d[u] + 2 * s), _mm512_cvtepi32_ps(p), gacc[u]);    \
          }                                                                                        \
        }                                                                                          \
        const __m512 sv = _mm512_set1_ps(scale[g]);                                                \
        for (int u = 0; u < NT; ++u) acc[u] = _mm512_fmadd_ps(sv, gacc[u], acc[u]);                \
      }                                                                                            \
    } else {                                                                                       \
      const int64_t per_group = w.group / 32;                                                      \
      int64_t g = 0, in_group = 0;                                                                 \
      for (int64_t s = 0; s < w.k / 64; ++s) {                                                     \
        const float s0 = scale[g];                                                                 \
        if (++in_group == per_group) in_group = 0, ++g;                                            \
        const float s1 = scale[g];                                                                 \
        if (++in_group == per_group) in_group = 0, ++g;                                            \
        const __m512 sv = halves(s0, s1);                                                          \
        const __m512i wv = superblock(nib, s);                                                     \
        for (int u = 0; u < NT; ++u) {                                                             \
          const __m512i p = PRODUCT(wv, _mm512_loadu_si512(q[u] + s * 64));                        \
          const __m512 dv = _mm512_mul_ps(blockPair(d[u] + 2 * s), sv);                            \
          acc[u] = _mm512_fmadd_ps(dv, _mm512_cvtepi32_ps(p), acc[u]);                             \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    for (int u = 0; u < NT; ++u) acc[u] = addMinTerm(acc[u], min, x.gsumRow(t0 + u), w.groups());  \
    for (int u = 0; u < NT; ++u) out[u] = _mm512_reduce_add_ps(acc[u]);                            \
  }

WHARF_AWQ_DOT_ROWS(dotRowsBw, WHARF_AWQ_AVX512, productBw)
WHARF_AWQ_DOT_ROWS(dotRowsVnni, WHARF_AWQ_AVX512_VNNI, productVnni)

template <void (*F1)(const AwqWeights&, int64_t, const QuantizedRows&, int64_t, float*),
          void (*F2)(const AwqWeights&, int64_t, const QuantizedRows&, int64_t, float*),
          void (*F3)(const AwqWeights&, int64_t, const QuantizedRows&, int64_t, float*),
          void (*F4)(const AwqWeights&, int64_t, const QuantizedRows&, int64_t, float*)>
void dispatch(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
              float* out) {
  switch (nt) {
    case 1:
      return F1(w, r, x, t0, out);
    case 2:
      return F2(w, r, x, t0, out);
    case 3:
      return F3(w, r, x, t0, out);
    default:
      return F4(w, r, x, t0, out);
  }
}

}  // namespace

void awqDotAvx512(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                  float* out) {
  dispatch<dotRowsBw<1>, dotRowsBw<2>, dotRowsBw<3>, dotRowsBw<4>>(w, r, x, t0, nt, out);
}

void awqDotAvx512Vnni(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                      float* out) {
  dispatch<dotRowsVnni<1>, dotRowsVnni<2>, dotRowsVnni<3>, dotRowsVnni<4>>(w, r, x, t0, nt, out);
}

}  // namespace wharf::quant_awq::detail

#else  // not x86: never selected (cpuSupports is false), kept for the kernel table

namespace wharf::quant_awq::detail {
void awqDotAvx512(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                  float* out) {
  awqDotScalar(w, r, x, t0, nt, out);
}
void awqDotAvx512Vnni(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                      float* out) {
  awqDotScalar(w, r, x, t0, nt, out);
}
}  // namespace wharf::quant_awq::detail

#endif

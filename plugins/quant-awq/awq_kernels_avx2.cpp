// AVX2 (avx2 + fma + f16c) AWQ dot products: one 32-byte load is two blocks of 32 weights.
#include "awq_kernels.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#define WHARF_AWQ_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace wharf::quant_awq::detail {

namespace {

WHARF_AWQ_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// Groups of a multiple of 64 inputs hold whole superblocks: the products are summed per group and
// meet the group's scale once. Other group sizes (32, 96, ...) scale each block.
template <int NT>
WHARF_AWQ_AVX2 void dotRows(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0,
                            float* out) {
  const uint8_t* nib = w.rowNibbles(r);
  const float* scale = w.rowScale(r);
  const float* min = w.rowMin(r);
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[NT];
  const int8_t* q[NT];
  const float* d[NT];
  for (int u = 0; u < NT; ++u) {
    acc[u] = _mm256_setzero_ps();
    q[u] = x.qRow(t0 + u);
    d[u] = x.dRow(t0 + u);
  }
  // Adds superblock s's products to sums[u], block b's weighted by d[b] * f[b % 2].
  auto add = [&](int64_t s, __m256 * sums, float f0, float f1)
      __attribute__((always_inline, target("avx2,fma,f16c"))) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(nib + s * 32));
    const __m256i lo = _mm256_and_si256(raw, m4);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
    for (int u = 0; u < NT; ++u) {
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q[u] + s * 64));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q[u] + s * 64 + 32));
      const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), ones);
      const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), ones);
      sums[u] = _mm256_fmadd_ps(_mm256_set1_ps(d[u][2 * s] * f0), _mm256_cvtepi32_ps(p0), sums[u]);
      sums[u] =
          _mm256_fmadd_ps(_mm256_set1_ps(d[u][2 * s + 1] * f1), _mm256_cvtepi32_ps(p1), sums[u]);
    }
  };
  if (w.group % 64 == 0) {
    const int64_t per_group = w.group / 64;
    for (int64_t g = 0, s = 0; g < w.groups(); ++g) {
      __m256 gacc[NT];
      for (int u = 0; u < NT; ++u) gacc[u] = _mm256_setzero_ps();
      for (int64_t j = 0; j < per_group; ++j, ++s) add(s, gacc, 1.0f, 1.0f);
      const __m256 sv = _mm256_set1_ps(scale[g]);
      for (int u = 0; u < NT; ++u) acc[u] = _mm256_fmadd_ps(sv, gacc[u], acc[u]);
    }
  } else {
    const int64_t per_group = w.group / 32;
    int64_t g = 0, in_group = 0;
    for (int64_t s = 0; s < w.k / 64; ++s) {
      const float s0 = scale[g];
      if (++in_group == per_group) in_group = 0, ++g;
      const float s1 = scale[g];
      if (++in_group == per_group) in_group = 0, ++g;
      add(s, acc, s0, s1);
    }
  }
  for (int u = 0; u < NT; ++u) {
    const float* gsum = x.gsumRow(t0 + u);
    float m = 0;
    for (int64_t g = 0; g < w.groups(); ++g) m += min[g] * gsum[g];
    out[u] = hsum(acc[u]) + m;
  }
}

}  // namespace

void awqDotAvx2(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                float* out) {
  switch (nt) {
    case 1:
      return dotRows<1>(w, r, x, t0, out);
    case 2:
      return dotRows<2>(w, r, x, t0, out);
    case 3:
      return dotRows<3>(w, r, x, t0, out);
    default:
      return dotRows<4>(w, r, x, t0, out);
  }
}

}  // namespace wharf::quant_awq::detail

#else  // not x86: never selected (cpuSupports is false), kept for the kernel table

namespace wharf::quant_awq::detail {
void awqDotAvx2(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                float* out) {
  awqDotScalar(w, r, x, t0, nt, out);
}
}  // namespace wharf::quant_awq::detail

#endif

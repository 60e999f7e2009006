// AVX2 + FMA + F16C kernels, compiled with target attributes so the file builds for baseline x86-64
// and only runs after the CPU check in kernels_dispatch.cpp.
#include "engine/cpu/kernels.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include "wharf/cpp/half.hpp"

#define WHARF_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace wharf::engine::detail {

namespace {

WHARF_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

WHARF_AVX2 inline float half(const uint8_t* p) { return _cvtsh_ss(loadU16(p)); }

// 16 bytes of nibbles -> 32 unsigned bytes: low nibbles (weights 0..15) then high (16..31).
WHARF_AVX2 inline __m256i unpackNibbles(const uint8_t* qs) {
  __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Sum of u8 * s8 products as 8 int32 lanes.
WHARF_AVX2 inline __m256i dotU8S8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

WHARF_AVX2 float dotQ4_0(const uint8_t* w, const BlockQ8* x, size_t nb) {
  __m256 acc = _mm256_setzero_ps();
  float correction = 0;
  for (size_t b = 0; b < nb; ++b, w += kQ4_0Bytes) {
    float scale = half(w) * x[b].d;
    __m256i q = unpackNibbles(w + 2);
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotU8S8(q, a)), _mm256_set1_ps(scale), acc);
    correction += scale * static_cast<float>(8 * x[b].sum);
  }
  return hsum(acc) - correction;
}

WHARF_AVX2 float dotQ4_1(const uint8_t* w, const BlockQ8* x, size_t nb) {
  __m256 acc = _mm256_setzero_ps();
  float offset = 0;
  for (size_t b = 0; b < nb; ++b, w += kQ4_1Bytes) {
    __m256i q = unpackNibbles(w + 4);
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotU8S8(q, a)), _mm256_set1_ps(half(w) * x[b].d), acc);
    offset += half(w + 2) * x[b].s;
  }
  return hsum(acc) + offset;
}

WHARF_AVX2 float dotQ8_0(const uint8_t* w, const BlockQ8* x, size_t nb) {
  __m256 acc = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b, w += kQ8_0Bytes) {
    __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2));
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    // |q| * (a with q's sign) keeps the unsigned x signed form maddubs needs.
    __m256i p = dotU8S8(_mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(half(w) * x[b].d), acc);
  }
  return hsum(acc);
}

// One weight row against 4 activation rows. Weight = 32 unsigned (or sign-split) bytes per block;
// Weights(w) returns them, Acts adjusts the activations to the weights' signs when needed.
WHARF_AVX2 inline void store4(const __m256 acc[4], float* out) {
  for (int t = 0; t < 4; ++t) out[t] = hsum(acc[t]);
}

WHARF_AVX2 void dot4Q4_0(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  float corr[4] = {0, 0, 0, 0};
  for (size_t b = 0; b < nb; ++b, w += kQ4_0Bytes) {
    const float d = half(w);
    const __m256i q = unpackNibbles(w + 2);
#pragma GCC unroll 4
    for (size_t t = 0; t < 4; ++t) {
      const BlockQ8& a = x[t * stride + b];
      __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
      float scale = d * a.d;
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotU8S8(q, av)), _mm256_set1_ps(scale), acc[t]);
      corr[t] += scale * static_cast<float>(8 * a.sum);
    }
  }
  store4(acc, out);
  for (int t = 0; t < 4; ++t) out[t] -= corr[t];
}

WHARF_AVX2 void dot4Q4_1(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  float offs[4] = {0, 0, 0, 0};
  for (size_t b = 0; b < nb; ++b, w += kQ4_1Bytes) {
    const float d = half(w), m = half(w + 2);
    const __m256i q = unpackNibbles(w + 4);
#pragma GCC unroll 4
    for (size_t t = 0; t < 4; ++t) {
      const BlockQ8& a = x[t * stride + b];
      __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotU8S8(q, av)), _mm256_set1_ps(d * a.d), acc[t]);
      offs[t] += m * a.s;
    }
  }
  store4(acc, out);
  for (int t = 0; t < 4; ++t) out[t] += offs[t];
}

WHARF_AVX2 void dot4Q8_0(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  for (size_t b = 0; b < nb; ++b, w += kQ8_0Bytes) {
    const float d = half(w);
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2));
    const __m256i qa = _mm256_sign_epi8(q, q);
#pragma GCC unroll 4
    for (size_t t = 0; t < 4; ++t) {
      const BlockQ8& a = x[t * stride + b];
      __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.qs));
      __m256i p = dotU8S8(qa, _mm256_sign_epi8(av, q));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(d * a.d), acc[t]);
    }
  }
  store4(acc, out);
}

WHARF_AVX2 float dotF16(const uint8_t* w, const float* x, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
    __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i + 16)));
    acc0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), acc1);
  }
  float s = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += _cvtsh_ss(loadU16(w + 2 * i)) * x[i];
  return s;
}

WHARF_AVX2 float dotBf16(const uint8_t* w, const float* x, size_t n) {
  __m256 acc = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
    __m256 v = _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
    acc = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + i), acc);
  }
  float s = hsum(acc);
  for (; i < n; ++i) s += bf16ToFloat(loadU16(w + 2 * i)) * x[i];
  return s;
}

WHARF_AVX2 float dotF32(const float* a, const float* b, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  float s = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

WHARF_AVX2 void axpy(float a, const float* x, float* y, size_t n) {
  __m256 va = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

WHARF_AVX2 void axpyF16(float a, const uint8_t* x, float* y, size_t n) {
  __m256 va = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + 2 * i)));
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, v, _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * _cvtsh_ss(loadU16(x + 2 * i));
}

WHARF_AVX2 void dotF16Rows(const uint8_t* k, size_t stride, size_t n, const float* q, size_t hd,
                           float* scores) {
  for (size_t j = 0; j < n; ++j) {
    const uint8_t* row = k + j * stride;
    __m256 acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= hd; i += 8) {
      __m256 kv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i)));
      acc = _mm256_fmadd_ps(kv, _mm256_loadu_ps(q + i), acc);
    }
    float s = hsum(acc);
    for (; i < hd; ++i) s += _cvtsh_ss(loadU16(row + 2 * i)) * q[i];
    scores[j] = s;
  }
}

// Element-major: each 8-wide slice of `out` stays in a register while the rows stream by, with
// the same per-element fused multiply-adds in the same order as repeated axpy_f16 calls.
WHARF_AVX2 void axpyF16Rows(const uint8_t* v, size_t stride, size_t n, const float* w, float* out,
                            size_t hd) {
  size_t i = 0;
  for (; i + 8 <= hd; i += 8) {
    __m256 acc = _mm256_loadu_ps(out + i);
    for (size_t j = 0; j < n; ++j) {
      __m256 x = _mm256_cvtph_ps(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(v + j * stride + 2 * i)));
      acc = _mm256_fmadd_ps(_mm256_set1_ps(w[j]), x, acc);
    }
    _mm256_storeu_ps(out + i, acc);
  }
  for (; i < hd; ++i) {
    for (size_t j = 0; j < n; ++j) out[i] += w[j] * _cvtsh_ss(loadU16(v + j * stride + 2 * i));
  }
}

WHARF_AVX2 void roundToF16(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) x[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

WHARF_AVX2 void quantizeQ8(const float* x, BlockQ8* y, size_t n) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  for (size_t b = 0; b < n / kQBlock; ++b, x += kQBlock) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(x + 8 * k);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_mask, v[k]));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    float d = _mm_cvtss_f32(m) / 127.0f;
    __m256 id = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
    __m256i i32[4];
    for (int k = 0; k < 4; ++k) {
      i32[k] = _mm256_cvtps_epi32(
          _mm256_round_ps(_mm256_mul_ps(v[k], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    __m256i sum =
        _mm256_add_epi32(_mm256_add_epi32(i32[0], i32[1]), _mm256_add_epi32(i32[2], i32[3]));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    s = _mm_hadd_epi32(s, s);
    s = _mm_hadd_epi32(s, s);
    // Pack 32 x int32 -> int8 in order (packs interleave 128-bit lanes; permute restores order).
    __m256i p16a = _mm256_packs_epi32(i32[0], i32[1]);
    __m256i p16b = _mm256_packs_epi32(i32[2], i32[3]);
    __m256i p8 = _mm256_packs_epi16(p16a, p16b);
    p8 = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs), p8);
    int32_t total = _mm_cvtsi128_si32(s);
    y[b].d = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
    y[b].s = _cvtsh_ss(_cvtss_sh(d * static_cast<float>(total), _MM_FROUND_TO_NEAREST_INT));
    y[b].sum = total;
  }
}

}  // namespace

const KernelTable* avx2Kernels() {
  static const KernelTable t{.level = SimdLevel::Avx2,
                             .dot_q4_0 = dotQ4_0,
                             .dot_q4_1 = dotQ4_1,
                             .dot_q8_0 = dotQ8_0,
                             .dot4_q4_0 = dot4Q4_0,
                             .dot4_q4_1 = dot4Q4_1,
                             .dot4_q8_0 = dot4Q8_0,
                             .dot2x4_q4_0 = dot2x4Pair<dot4Q4_0>,
                             .dot2x4_q4_1 = dot2x4Pair<dot4Q4_1>,
                             .dot2x4_q8_0 = dot2x4Pair<dot4Q8_0>,
                             .dot_f16 = dotF16,
                             .dot_bf16 = dotBf16,
                             .dot_f32 = dotF32,
                             .axpy = axpy,
                             .axpy_f16 = axpyF16,
                             .dot_f16_rows = dotF16Rows,
                             .axpy_f16_rows = axpyF16Rows,
                             .round_to_f16 = roundToF16,
                             .quantize_q8 = quantizeQ8};
  return &t;
}

}  // namespace wharf::engine::detail

#else

namespace wharf::engine::detail {
const KernelTable* avx2Kernels() { return nullptr; }
}  // namespace wharf::engine::detail

#endif

// AVX-512 (F, BW, VL) kernels, two 32-weight blocks per 512-bit register; with VNNI the u8 x s8
// products use vpdpbusd. Built with target attributes; selected at run time only.
#include "engine/cpu/kernels.hpp"

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values and trip -Wuninitialized
// (a known false positive of the headers, not of this code).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "wharf/cpp/half.hpp"

#define WHARF_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define WHARF_AVX512VNNI \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

namespace wharf::engine::detail {

namespace {

WHARF_AVX512 inline float half(const uint8_t* p) { return _cvtsh_ss(loadU16(p)); }

WHARF_AVX512 inline __m256i unpackNibbles(const uint8_t* qs) {
  __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

WHARF_AVX512 inline __m512i join(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

WHARF_AVX512 inline __m512i loadActs(const BlockQ8* x) {
  return join(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[0].qs)),
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[1].qs)));
}

// Lanes 0..7 scaled by s0, lanes 8..15 by s1.
WHARF_AVX512 inline __m512 scales(float s0, float s1) {
  return _mm512_mask_mov_ps(_mm512_set1_ps(s0), 0xFF00, _mm512_set1_ps(s1));
}

WHARF_AVX512 inline __m512i dotU8S8(__m512i u, __m512i s) {
  return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
}

WHARF_AVX512VNNI inline __m512i dotU8S8Vnni(__m512i u, __m512i s) {
  return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
}

// Shared loop shapes; DOT is the u8 x s8 -> int32 product (maddubs or vnni). Each kernel is
// generated for 1 and for 4 activation rows from one body, so that a token's result is bitwise the
// same whether it is computed alone or in a group of 4 (batching never changes outputs).
#define WHARF_DEFINE_Q4(NAME, ATTR, DOT, BYTES, QS_OFFSET, HAS_MIN)                                \
  template <size_t R, size_t T>                                                                    \
  ATTR inline void NAME##Tile(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride, \
                              size_t nb, float* out) {                                             \
    __m512 acc[R][T];                                                                              \
    float extra[R][T];                                                                             \
    _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                       \
      _Pragma("GCC unroll 4") for (size_t t = 0; t < T; ++t) {                                     \
        acc[r][t] = _mm512_setzero_ps();                                                           \
        extra[r][t] = 0;                                                                           \
      }                                                                                            \
    }                                                                                              \
    size_t b = 0;                                                                                  \
    for (; b + 2 <= nb; b += 2) {                                                                  \
      __m512i q[R];                                                                                \
      float d0[R], d1[R], m0[R], m1[R];                                                            \
      _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                     \
        const uint8_t* wr = w + r * row_bytes + b * (BYTES);                                       \
        q[r] = join(unpackNibbles(wr + (QS_OFFSET)), unpackNibbles(wr + (BYTES) + (QS_OFFSET)));   \
        d0[r] = half(wr);                                                                          \
        d1[r] = half(wr + (BYTES));                                                                \
        m0[r] = HAS_MIN ? half(wr + 2) : 0.0f;                                                     \
        m1[r] = HAS_MIN ? half(wr + (BYTES) + 2) : 0.0f;                                           \
      }                                                                                            \
      _Pragma("GCC unroll 4") for (size_t t = 0; t < T; ++t) {                                     \
        const BlockQ8* xt = x + t * stride;                                                        \
        const __m512i acts = loadActs(xt + b);                                                     \
        _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                   \
          float s0 = d0[r] * xt[b].d, s1 = d1[r] * xt[b + 1].d;                                    \
          acc[r][t] =                                                                              \
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(DOT(q[r], acts)), scales(s0, s1), acc[r][t]);     \
          if (HAS_MIN) {                                                                           \
            extra[r][t] += m0[r] * xt[b].s + m1[r] * xt[b + 1].s;                                  \
          } else {                                                                                 \
            extra[r][t] -= s0 * static_cast<float>(8 * xt[b].sum) +                                \
                           s1 * static_cast<float>(8 * xt[b + 1].sum);                             \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                       \
      _Pragma("GCC unroll 4") for (size_t t = 0; t < T; ++t) {                                     \
        float v = _mm512_reduce_add_ps(acc[r][t]) + extra[r][t];                                   \
        if (b < nb) {                                                                              \
          v += (HAS_MIN ? scalarKernels().dot_q4_1 : scalarKernels().dot_q4_0)(                    \
              w + r * row_bytes + b * (BYTES), x + t * stride + b, 1);                             \
        }                                                                                          \
        out[r * T + t] = v;                                                                        \
      }                                                                                            \
    }                                                                                              \
  }                                                                                                \
  ATTR float NAME(const uint8_t* w, const BlockQ8* x, size_t nb) {                                 \
    float out;                                                                                     \
    NAME##Tile<1, 1>(w, 0, x, 0, nb, &out);                                                        \
    return out;                                                                                    \
  }                                                                                                \
  ATTR void NAME##x4(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out) {   \
    NAME##Tile<1, 4>(w, 0, x, stride, nb, out);                                                    \
  }                                                                                                \
  ATTR void NAME##x2x4(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride,        \
                       size_t nb, float* out) {                                                    \
    NAME##Tile<2, 4>(w, row_bytes, x, stride, nb, out);                                            \
  }

WHARF_DEFINE_Q4(dotQ4_0, WHARF_AVX512, dotU8S8, kQ4_0Bytes, 2, false)
WHARF_DEFINE_Q4(dotQ4_1, WHARF_AVX512, dotU8S8, kQ4_1Bytes, 4, true)
WHARF_DEFINE_Q4(dotQ4_0Vnni, WHARF_AVX512VNNI, dotU8S8Vnni, kQ4_0Bytes, 2, false)
WHARF_DEFINE_Q4(dotQ4_1Vnni, WHARF_AVX512VNNI, dotU8S8Vnni, kQ4_1Bytes, 4, true)

#define WHARF_DEFINE_Q8(NAME, ATTR, DOT)                                                           \
  template <size_t R, size_t T>                                                                    \
  ATTR inline void NAME##Tile(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride, \
                              size_t nb, float* out) {                                             \
    __m512 acc[R][T];                                                                              \
    _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                       \
      _Pragma("GCC unroll 4") for (size_t t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();      \
    }                                                                                              \
    size_t b = 0;                                                                                  \
    for (; b + 2 <= nb; b += 2) {                                                                  \
      __m512i qa[R];                                                                               \
      __mmask64 negative[R];                                                                       \
      float d0[R], d1[R];                                                                          \
      _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                     \
        const uint8_t* wr = w + r * row_bytes + b * kQ8_0Bytes;                                    \
        __m512i q =                                                                                \
            join(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + 2)),                     \
                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + kQ8_0Bytes + 2)));       \
        qa[r] = _mm512_abs_epi8(q);                                                                \
        negative[r] = _mm512_movepi8_mask(q);                                                      \
        d0[r] = half(wr);                                                                          \
        d1[r] = half(wr + kQ8_0Bytes);                                                             \
      }                                                                                            \
      _Pragma("GCC unroll 4") for (size_t t = 0; t < T; ++t) {                                     \
        const BlockQ8* xt = x + t * stride;                                                        \
        const __m512i a = loadActs(xt + b);                                                        \
        _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                   \
          __m512i p = DOT(qa[r], _mm512_mask_sub_epi8(a, negative[r], _mm512_setzero_si512(), a)); \
          acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p),                                       \
                                      scales(d0[r] * xt[b].d, d1[r] * xt[b + 1].d), acc[r][t]);    \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    _Pragma("GCC unroll 2") for (size_t r = 0; r < R; ++r) {                                       \
      _Pragma("GCC unroll 4") for (size_t t = 0; t < T; ++t) {                                     \
        float v = _mm512_reduce_add_ps(acc[r][t]);                                                 \
        if (b < nb) {                                                                              \
          v +=                                                                                     \
              scalarKernels().dot_q8_0(w + r * row_bytes + b * kQ8_0Bytes, x + t * stride + b, 1); \
        }                                                                                          \
        out[r * T + t] = v;                                                                        \
      }                                                                                            \
    }                                                                                              \
  }                                                                                                \
  ATTR float NAME(const uint8_t* w, const BlockQ8* x, size_t nb) {                                 \
    float out;                                                                                     \
    NAME##Tile<1, 1>(w, 0, x, 0, nb, &out);                                                        \
    return out;                                                                                    \
  }                                                                                                \
  ATTR void NAME##x4(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out) {   \
    NAME##Tile<1, 4>(w, 0, x, stride, nb, out);                                                    \
  }                                                                                                \
  ATTR void NAME##x2x4(const uint8_t* w, size_t row_bytes, const BlockQ8* x, size_t stride,        \
                       size_t nb, float* out) {                                                    \
    NAME##Tile<2, 4>(w, row_bytes, x, stride, nb, out);                                            \
  }

WHARF_DEFINE_Q8(dotQ8_0, WHARF_AVX512, dotU8S8)
WHARF_DEFINE_Q8(dotQ8_0Vnni, WHARF_AVX512VNNI, dotU8S8Vnni)

WHARF_AVX512 float dotF16(const uint8_t* w, const float* x, size_t n) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2 * i)));
    acc = _mm512_fmadd_ps(v, _mm512_loadu_ps(x + i), acc);
  }
  float s = _mm512_reduce_add_ps(acc);
  for (; i < n; ++i) s += _cvtsh_ss(loadU16(w + 2 * i)) * x[i];
  return s;
}

WHARF_AVX512 float dotBf16(const uint8_t* w, const float* x, size_t n) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i h =
        _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2 * i)));
    acc =
        _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(h, 16)), _mm512_loadu_ps(x + i), acc);
  }
  float s = _mm512_reduce_add_ps(acc);
  for (; i < n; ++i) s += bf16ToFloat(loadU16(w + 2 * i)) * x[i];
  return s;
}

WHARF_AVX512 float dotF32(const float* a, const float* b, size_t n) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
  }
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc);
  }
  return _mm512_reduce_add_ps(acc);
}

WHARF_AVX512 void axpy(float a, const float* x, float* y, size_t n) {
  __m512 va = _mm512_set1_ps(a);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  }
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(
        y + i, m,
        _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
  }
}

}  // namespace

const KernelTable* avx512Kernels(bool vnni) {
  const KernelTable* avx2 = avx2Kernels();
  static const KernelTable plain{.level = SimdLevel::Avx512,
                                 .dot_q4_0 = dotQ4_0,
                                 .dot_q4_1 = dotQ4_1,
                                 .dot_q8_0 = dotQ8_0,
                                 .dot4_q4_0 = dotQ4_0x4,
                                 .dot4_q4_1 = dotQ4_1x4,
                                 .dot4_q8_0 = dotQ8_0x4,
                                 .dot2x4_q4_0 = dotQ4_0x2x4,
                                 .dot2x4_q4_1 = dotQ4_1x2x4,
                                 .dot2x4_q8_0 = dotQ8_0x2x4,
                                 .dot_f16 = dotF16,
                                 .dot_bf16 = dotBf16,
                                 .dot_f32 = dotF32,
                                 .axpy = axpy,
                                 .axpy_f16 = avx2->axpy_f16,
                                 .dot_f16_rows = avx2->dot_f16_rows,
                                 .axpy_f16_rows = avx2->axpy_f16_rows,
                                 .round_to_f16 = avx2->round_to_f16,
                                 .quantize_q8 = avx2->quantize_q8};
  static const KernelTable with_vnni{.level = SimdLevel::Avx512Vnni,
                                     .dot_q4_0 = dotQ4_0Vnni,
                                     .dot_q4_1 = dotQ4_1Vnni,
                                     .dot_q8_0 = dotQ8_0Vnni,
                                     .dot4_q4_0 = dotQ4_0Vnnix4,
                                     .dot4_q4_1 = dotQ4_1Vnnix4,
                                     .dot4_q8_0 = dotQ8_0Vnnix4,
                                     .dot2x4_q4_0 = dotQ4_0Vnnix2x4,
                                     .dot2x4_q4_1 = dotQ4_1Vnnix2x4,
                                     .dot2x4_q8_0 = dotQ8_0Vnnix2x4,
                                     .dot_f16 = dotF16,
                                     .dot_bf16 = dotBf16,
                                     .dot_f32 = dotF32,
                                     .axpy = axpy,
                                     .axpy_f16 = avx2->axpy_f16,
                                     .dot_f16_rows = avx2->dot_f16_rows,
                                     .axpy_f16_rows = avx2->axpy_f16_rows,
                                     .round_to_f16 = avx2->round_to_f16,
                                     .quantize_q8 = avx2->quantize_q8};
  return vnni ? &with_vnni : &plain;
}

}  // namespace wharf::engine::detail

#else

namespace wharf::engine::detail {
const KernelTable* avx512Kernels(bool) { return nullptr; }
}  // namespace wharf::engine::detail

#endif

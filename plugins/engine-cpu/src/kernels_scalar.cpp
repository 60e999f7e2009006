// Portable reference kernels.
#include <cmath>

#include "engine/cpu/kernels.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine::detail {

namespace {

float dotQ4_0(const uint8_t* w, const BlockQ8* x, size_t nb) {
  float acc = 0;
  for (size_t b = 0; b < nb; ++b, w += kQ4_0Bytes) {
    int32_t s = 0;
    for (size_t j = 0; j < 16; ++j) {
      s += (w[2 + j] & 15) * x[b].qs[j] + (w[2 + j] >> 4) * x[b].qs[j + 16];
    }
    acc += fp16ToFloat(loadU16(w)) * x[b].d * static_cast<float>(s - 8 * x[b].sum);
  }
  return acc;
}

float dotQ4_1(const uint8_t* w, const BlockQ8* x, size_t nb) {
  float acc = 0;
  for (size_t b = 0; b < nb; ++b, w += kQ4_1Bytes) {
    int32_t s = 0;
    for (size_t j = 0; j < 16; ++j) {
      s += (w[4 + j] & 15) * x[b].qs[j] + (w[4 + j] >> 4) * x[b].qs[j + 16];
    }
    float d = fp16ToFloat(loadU16(w)), m = fp16ToFloat(loadU16(w + 2));
    acc += d * x[b].d * static_cast<float>(s) + m * x[b].s;
  }
  return acc;
}

float dotQ8_0(const uint8_t* w, const BlockQ8* x, size_t nb) {
  float acc = 0;
  for (size_t b = 0; b < nb; ++b, w += kQ8_0Bytes) {
    int32_t s = 0;
    for (size_t j = 0; j < kQBlock; ++j) s += static_cast<int8_t>(w[2 + j]) * x[b].qs[j];
    acc += fp16ToFloat(loadU16(w)) * x[b].d * static_cast<float>(s);
  }
  return acc;
}

float dotF16(const uint8_t* w, const float* x, size_t n) {
  float acc = 0;
  for (size_t i = 0; i < n; ++i) acc += fp16ToFloat(loadU16(w + 2 * i)) * x[i];
  return acc;
}

float dotBf16(const uint8_t* w, const float* x, size_t n) {
  float acc = 0;
  for (size_t i = 0; i < n; ++i) acc += bf16ToFloat(loadU16(w + 2 * i)) * x[i];
  return acc;
}

float dotF32(const float* a, const float* b, size_t n) {
  float acc = 0;
  for (size_t i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

void axpy(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void axpyF16(float a, const uint8_t* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * fp16ToFloat(loadU16(x + 2 * i));
}

void dotF16Rows(const uint8_t* k, size_t stride, size_t n, const float* q, size_t hd,
                float* scores) {
  for (size_t j = 0; j < n; ++j) scores[j] = dotF16(k + j * stride, q, hd);
}

void axpyF16Rows(const uint8_t* v, size_t stride, size_t n, const float* w, float* out, size_t hd) {
  for (size_t j = 0; j < n; ++j) axpyF16(w[j], v + j * stride, out, hd);
}

void roundToF16(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = fp16ToFloat(floatToFp16(x[i]));
}

template <float (*Dot)(const uint8_t*, const BlockQ8*, size_t)>
void dot4(const uint8_t* w, const BlockQ8* x, size_t stride, size_t nb, float* out) {
  for (size_t t = 0; t < 4; ++t) out[t] = Dot(w, x + t * stride, nb);
}

}  // namespace

const KernelTable& scalarKernels() {
  static const KernelTable t{.level = SimdLevel::Scalar,
                             .dot_q4_0 = dotQ4_0,
                             .dot_q4_1 = dotQ4_1,
                             .dot_q8_0 = dotQ8_0,
                             .dot4_q4_0 = dot4<dotQ4_0>,
                             .dot4_q4_1 = dot4<dotQ4_1>,
                             .dot4_q8_0 = dot4<dotQ8_0>,
                             .dot2x4_q4_0 = dot2x4Pair<dot4<dotQ4_0>>,
                             .dot2x4_q4_1 = dot2x4Pair<dot4<dotQ4_1>>,
                             .dot2x4_q8_0 = dot2x4Pair<dot4<dotQ8_0>>,
                             .dot_f16 = dotF16,
                             .dot_bf16 = dotBf16,
                             .dot_f32 = dotF32,
                             .axpy = axpy,
                             .axpy_f16 = axpyF16,
                             .dot_f16_rows = dotF16Rows,
                             .axpy_f16_rows = axpyF16Rows,
                             .round_to_f16 = roundToF16,
                             .quantize_q8 = quantizeRowQ8Reference};
  return t;
}

}  // namespace wharf::engine::detail

#include "squeezellm_kernels.hpp"

namespace wharf::quant_squeezellm {

const SqueezeLlmKernels* squeezeLlmKernelsFor(cpu::SimdLevel level) {
  using cpu::SimdLevel;
  static const SqueezeLlmKernels kScalar{SimdLevel::Scalar, detail::squeezeLlmDotScalar};
  static const SqueezeLlmKernels kAvx2{SimdLevel::Avx2, detail::squeezeLlmDotAvx2};
  static const SqueezeLlmKernels kAvx512{SimdLevel::Avx512, detail::squeezeLlmDotAvx512};
  if (!cpu::cpuSupports(level)) return nullptr;
  switch (level) {
    case SimdLevel::Scalar:
      return &kScalar;
    case SimdLevel::Avx2:
      return &kAvx2;
    case SimdLevel::Avx512:
    case SimdLevel::Avx512Vnni:
      return &kAvx512;
  }
  return nullptr;
}

const SqueezeLlmKernels& squeezeLlmKernels() {
  static const SqueezeLlmKernels& best = *squeezeLlmKernelsFor(cpu::bestSimdLevel());
  return best;
}

void addSparse(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
               float* out) {
  const int32_t begin = w.sparse_rows[static_cast<size_t>(r)];
  const int32_t end = w.sparse_rows[static_cast<size_t>(r + 1)];
  if (begin == end) return;
  // One chain per activation row, interleaved (each row still sums its entries in order, so its
  // result does not depend on nt).
  float acc[4] = {0, 0, 0, 0};
  for (int32_t e = begin; e < end; ++e) {
    const float v = w.sparse_values[static_cast<size_t>(e)];
    const int32_t col = w.sparse_cols[static_cast<size_t>(e)];
    for (int u = 0; u < nt; ++u) acc[u] += v * x[u * ldx + col];
  }
  for (int u = 0; u < nt; ++u) out[u] += acc[u];
}

namespace detail {

void squeezeLlmDotScalar(const SqueezeLlmWeights& w, int64_t r, const float* x, int64_t ldx, int nt,
                         float* out) {
  const float* lut = w.rowLut(r);
  const uint8_t* nib = w.rowNibbles(r);
  float acc[4] = {0, 0, 0, 0};
  float wv[32];
  for (int64_t b = 0; b < w.k / 32; ++b) {
    const uint8_t* bytes = nib + b * 16;
    for (int j = 0; j < 16; ++j) {
      wv[j] = lut[bytes[j] & 0xF];
      wv[j + 16] = lut[bytes[j] >> 4];
    }
    for (int u = 0; u < nt; ++u) {
      const float* xb = x + u * ldx + b * 32;
      float a = acc[u];
      for (int i = 0; i < 32; ++i) a += wv[i] * xb[i];
      acc[u] = a;
    }
  }
  for (int u = 0; u < nt; ++u) out[u] = acc[u];
}

}  // namespace detail

}  // namespace wharf::quant_squeezellm

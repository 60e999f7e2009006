#include "awq_kernels.hpp"

#include <algorithm>
#include <cmath>

namespace wharf::quant_awq {

void QuantizedRows::resize(int64_t r, int64_t cols, int64_t group) {
  rows = r;
  k = cols;
  groups = cols / group;
  q.resize(static_cast<size_t>(r * cols));
  d.resize(static_cast<size_t>(r * (cols / 32)));
  gsum.resize(static_cast<size_t>(r * groups));
}

void QuantizedRows::quantizeRow(int64_t t, const float* x) {
  int8_t* qr = q.data() + t * k;
  float* dr = d.data() + t * (k / 32);
  float* gr = gsum.data() + t * groups;
  const int64_t blocks_per_group = (k / groups) / 32;
  std::fill(gr, gr + groups, 0.0f);
  for (int64_t b = 0; b < k / 32; ++b) {
    const float* xb = x + b * 32;
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(xb[i]));
    const float scale = amax / 127.0f;
    const float inv = scale > 0 ? 1.0f / scale : 0.0f;
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      const int v = static_cast<int>(std::nearbyint(xb[i] * inv));
      qr[b * 32 + i] = static_cast<int8_t>(v);
      sum += v;
    }
    dr[b] = scale;
    gr[b / blocks_per_group] += scale * static_cast<float>(sum);
  }
}

const AwqKernels* awqKernelsFor(cpu::SimdLevel level) {
  using cpu::SimdLevel;
  static const AwqKernels kScalar{SimdLevel::Scalar, detail::awqDotScalar};
  static const AwqKernels kAvx2{SimdLevel::Avx2, detail::awqDotAvx2};
  static const AwqKernels kAvx512{SimdLevel::Avx512, detail::awqDotAvx512};
  static const AwqKernels kAvx512Vnni{SimdLevel::Avx512Vnni, detail::awqDotAvx512Vnni};
  if (!cpu::cpuSupports(level)) return nullptr;
  switch (level) {
    case SimdLevel::Scalar:
      return &kScalar;
    case SimdLevel::Avx2:
      return &kAvx2;
    case SimdLevel::Avx512:
      return &kAvx512;
    case SimdLevel::Avx512Vnni:
      return &kAvx512Vnni;
  }
  return nullptr;
}

const AwqKernels& awqKernels() {
  static const AwqKernels& best = *awqKernelsFor(cpu::bestSimdLevel());
  return best;
}

namespace detail {

void awqDotScalar(const AwqWeights& w, int64_t r, const QuantizedRows& x, int64_t t0, int nt,
                  float* out) {
  const uint8_t* nib = w.rowNibbles(r);
  const float* scale = w.rowScale(r);
  const float* min = w.rowMin(r);
  const int64_t blocks_per_group = w.group / 32;
  for (int u = 0; u < nt; ++u) {
    const int8_t* q = x.qRow(t0 + u);
    const float* d = x.dRow(t0 + u);
    const float* gsum = x.gsumRow(t0 + u);
    float acc = 0;
    for (int64_t b = 0; b < w.k / 32; ++b) {
      // Block b is the low (even b) or high (odd b) nibbles of superblock b / 2.
      const uint8_t* bytes = nib + (b / 2) * 32;
      const int shift = (b % 2) * 4;
      int32_t isum = 0;
      for (int i = 0; i < 32; ++i) isum += ((bytes[i] >> shift) & 0xF) * q[b * 32 + i];
      acc += d[b] * scale[b / blocks_per_group] * static_cast<float>(isum);
    }
    for (int64_t g = 0; g < w.groups(); ++g) acc += min[g] * gsum[g];
    out[u] = acc;
  }
}

}  // namespace detail

}  // namespace wharf::quant_awq

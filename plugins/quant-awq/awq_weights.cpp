#include "awq_weights.hpp"

#include "awq_config.hpp"
#include "awq_packing.hpp"

namespace wharf::quant_awq {

uint8_t AwqWeights::quantAt(int64_t r, int64_t i) const {
  const uint8_t byte = rowNibbles(r)[(i / 64) * 32 + i % 32];
  return (i % 64) < 32 ? byte & 0xF : byte >> 4;
}

float AwqWeights::at(int64_t r, int64_t i) const {
  const int64_t g = i / group;
  return static_cast<float>(quantAt(r, i)) * rowScale(r)[g] + rowMin(r)[g];
}

AwqWeights AwqWeights::fromCheckpoint(const AwqConfig& config,
                                      const std::vector<wharf_tensor>& tensors) {
  const wharf_tensor& qweight = requireTensor(tensors, "qweight");
  // Without a zero point qzeros may be absent: then every zero is 8 (q holds value + 8).
  const wharf_tensor* qzeros = findTensor(tensors, "qzeros");
  if (!qzeros && config.zero_point) requireTensor(tensors, "qzeros");
  const wharf_tensor& scales = requireTensor(tensors, "scales");
  expectTensor(qweight, WHARF_DTYPE_I32, {-1, -1});
  expectTensor(scales, WHARF_DTYPE_F16, {-1, -1});
  const int64_t k = qweight.shape[0], n = scales.shape[1], g = config.group_size;
  if (n % 8 != 0 || n <= 0)
    throw Error(WHARF_ERR_DATA, "tensor 'scales' is " + describeTensor(scales) +
                                    ": its output features are not a positive multiple of 8");
  if (k <= 0 || k % g != 0)
    throw Error(WHARF_ERR_DATA, "tensor 'qweight' has " + std::to_string(k) +
                                    " input features, which group_size " + std::to_string(g) +
                                    " does not divide");
  if (k % 64 != 0)
    throw Error(WHARF_ERR_UNSUPPORTED, "tensor 'qweight' has " + std::to_string(k) +
                                           " input features; the CPU kernels need a multiple "
                                           "of 64");
  expectTensor(qweight, WHARF_DTYPE_I32, {k, n / 8});
  if (qzeros) expectTensor(*qzeros, WHARF_DTYPE_I32, {k / g, n / 8});
  expectTensor(scales, WHARF_DTYPE_F16, {k / g, n});

  AwqWeights w;
  w.n = n;
  w.k = k;
  w.group = g;
  const int64_t groups = k / g;
  w.nibbles.assign(static_cast<size_t>(n * k / 2), 0);
  w.scale.resize(static_cast<size_t>(n * groups));
  w.min.resize(static_cast<size_t>(n * groups));
  for (int64_t gi = 0; gi < groups; ++gi) {
    for (int64_t c = 0; c < n / 8; ++c) {
      const int32_t zeros =
          qzeros ? loadI32(*qzeros, gi * (n / 8) + c) : static_cast<int32_t>(0x88888888u);
      for (int j = 0; j < 8; ++j) {
        const int64_t r = c * 8 + j;
        const float s = loadF16(scales, gi * n + r);
        const size_t at = static_cast<size_t>(r * groups + gi);
        w.scale[at] = s;
        w.min[at] = -static_cast<float>(awqColumn(zeros, j)) * s;
      }
    }
  }
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t c = 0; c < n / 8; ++c) {
      const int32_t packed = loadI32(qweight, i * (n / 8) + c);
      for (int j = 0; j < 8; ++j) {
        const int64_t r = c * 8 + j;
        uint8_t& byte = w.nibbles[static_cast<size_t>(r * (k / 2) + (i / 64) * 32 + i % 32)];
        byte |= static_cast<uint8_t>(awqColumn(packed, j) << ((i % 64) < 32 ? 0 : 4));
      }
    }
  }
  return w;
}

}  // namespace wharf::quant_awq

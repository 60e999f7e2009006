#include "awq_quantize.hpp"

#include <algorithm>
#include <cmath>

#include "awq_packing.hpp"

namespace wharf::quant_awq {

namespace {

uint8_t clamp4(float v) { return static_cast<uint8_t>(std::clamp(v, 0.0f, 15.0f)); }

}  // namespace

AwqTensors quantizeAwqRtn(const wharf_tensor& weight, int64_t group, bool zero_point) {
  if (weight.ndim != 2 || weight.device != WHARF_DEVICE_CPU || !weight.data)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "AWQ quantize: the weight is " + describeTensor(weight) + ", not [N x K]");
  const int64_t n = weight.shape[0], k = weight.shape[1];
  if (n <= 0 || n % 8 != 0)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "AWQ quantize: " + std::to_string(n) + " output features are not a multiple of 8");
  if (group <= 0 || k % group != 0)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ quantize: group_size " + std::to_string(group) +
                                                " does not divide " + std::to_string(k) +
                                                " input features");
  AwqTensors out;
  out.n = n;
  out.k = k;
  out.group = group;
  const int64_t groups = k / group;
  std::vector<uint8_t> q(static_cast<size_t>(k * n)), z(static_cast<size_t>(groups * n));
  out.scales.resize(static_cast<size_t>(groups * n));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t base = r * k + g * group;
      float lo = loadFloat(weight, base), hi = lo, amax = 0;
      for (int64_t i = 0; i < group; ++i) {
        const float v = loadFloat(weight, base + i);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        amax = std::max(amax, std::fabs(v));
      }
      float s = zero_point ? (hi - lo) / 15.0f : amax / 7.0f;
      s = std::max(s, 1e-5f);
      const uint16_t s16 = floatToFp16(s);
      s = fp16ToFloat(s16);
      const uint8_t zero = zero_point ? clamp4(std::nearbyint(-lo / s)) : uint8_t{8};
      out.scales[static_cast<size_t>(g * n + r)] = s16;
      z[static_cast<size_t>(g * n + r)] = zero;
      for (int64_t i = 0; i < group; ++i) {
        const float v = loadFloat(weight, base + i);
        q[static_cast<size_t>((g * group + i) * n + r)] =
            clamp4(std::nearbyint(v / s) + static_cast<float>(zero));
      }
    }
  }
  auto pack = [n](const std::vector<uint8_t>& values, int64_t rows) {
    std::vector<int32_t> packed(static_cast<size_t>(rows * (n / 8)));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t c = 0; c < n / 8; ++c)
        packed[static_cast<size_t>(i * (n / 8) + c)] =
            packAwq8(values.data() + static_cast<size_t>(i * n + c * 8));
    return packed;
  };
  out.qweight = pack(q, k);
  out.qzeros = pack(z, groups);
  return out;
}

void emitAwqTensors(const AwqTensors& t, wharf_tensor_sink_fn sink, void* ctx) {
  emitTensor(sink, ctx, "qweight", WHARF_DTYPE_I32, {t.k, t.n / 8}, t.qweight.data());
  emitTensor(sink, ctx, "qzeros", WHARF_DTYPE_I32, {t.k / t.group, t.n / 8}, t.qzeros.data());
  emitTensor(sink, ctx, "scales", WHARF_DTYPE_F16, {t.k / t.group, t.n}, t.scales.data());
}

}  // namespace wharf::quant_awq

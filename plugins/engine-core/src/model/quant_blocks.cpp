#include "engine/model/quant_blocks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "wharf/cpp/error.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine {

void dequantizeRow(GgmlType type, const uint8_t* row, float* out, size_t n) {
  switch (type) {
    case GgmlType::F32:
      std::memcpy(out, row, n * 4);
      return;
    case GgmlType::F16:
      for (size_t i = 0; i < n; ++i) out[i] = fp16ToFloat(loadU16(row + 2 * i));
      return;
    case GgmlType::BF16:
      for (size_t i = 0; i < n; ++i) out[i] = bf16ToFloat(loadU16(row + 2 * i));
      return;
    case GgmlType::Q4_0:
      for (size_t b = 0; b < n / kQBlock; ++b, row += kQ4_0Bytes, out += kQBlock) {
        float d = fp16ToFloat(loadU16(row));
        for (size_t j = 0; j < 16; ++j) {
          out[j] = d * static_cast<float>((row[2 + j] & 15) - 8);
          out[j + 16] = d * static_cast<float>((row[2 + j] >> 4) - 8);
        }
      }
      return;
    case GgmlType::Q4_1:
      for (size_t b = 0; b < n / kQBlock; ++b, row += kQ4_1Bytes, out += kQBlock) {
        float d = fp16ToFloat(loadU16(row)), m = fp16ToFloat(loadU16(row + 2));
        for (size_t j = 0; j < 16; ++j) {
          out[j] = d * static_cast<float>(row[4 + j] & 15) + m;
          out[j + 16] = d * static_cast<float>(row[4 + j] >> 4) + m;
        }
      }
      return;
    case GgmlType::Q8_0:
      for (size_t b = 0; b < n / kQBlock; ++b, row += kQ8_0Bytes, out += kQBlock) {
        float d = fp16ToFloat(loadU16(row));
        for (size_t j = 0; j < kQBlock; ++j)
          out[j] = d * static_cast<float>(static_cast<int8_t>(row[2 + j]));
      }
      return;
  }
  throw Error(WHARF_ERR_UNSUPPORTED, "cannot dequantize " + typeName(static_cast<uint32_t>(type)));
}

void quantizeRowQ8Reference(const float* x, BlockQ8* y, size_t n) {
  for (size_t b = 0; b < n / kQBlock; ++b, x += kQBlock) {
    float amax = 0;
    for (size_t j = 0; j < kQBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    int32_t sum = 0;
    for (size_t j = 0; j < kQBlock; ++j) {
      int q = static_cast<int>(std::nearbyint(x[j] * id));
      y[b].qs[j] = static_cast<int8_t>(q);
      sum += q;
    }
    y[b].d = fp16ToFloat(floatToFp16(d));
    y[b].s = fp16ToFloat(floatToFp16(d * static_cast<float>(sum)));
    y[b].sum = sum;
  }
}

namespace {
void storeU16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
}  // namespace

void quantizeRowQ4_0(const float* x, uint8_t* out, size_t n) {
  for (size_t b = 0; b < n / kQBlock; ++b, x += kQBlock, out += kQ4_0Bytes) {
    float amax = 0, max = 0;
    for (size_t j = 0; j < kQBlock; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    float d = max / -8.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    storeU16(out, floatToFp16(d));
    for (size_t j = 0; j < 16; ++j) {
      int a = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      int c = std::min(15, static_cast<int>(x[j + 16] * id + 8.5f));
      out[2 + j] = static_cast<uint8_t>(a | (c << 4));
    }
  }
}

void quantizeRowQ4_1(const float* x, uint8_t* out, size_t n) {
  for (size_t b = 0; b < n / kQBlock; ++b, x += kQBlock, out += kQ4_1Bytes) {
    float lo = x[0], hi = x[0];
    for (size_t j = 1; j < kQBlock; ++j) {
      lo = std::min(lo, x[j]);
      hi = std::max(hi, x[j]);
    }
    float d = (hi - lo) / 15.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    storeU16(out, floatToFp16(d));
    storeU16(out + 2, floatToFp16(lo));
    for (size_t j = 0; j < 16; ++j) {
      int a = std::min(15, static_cast<int>((x[j] - lo) * id + 0.5f));
      int c = std::min(15, static_cast<int>((x[j + 16] - lo) * id + 0.5f));
      out[4 + j] = static_cast<uint8_t>(a | (c << 4));
    }
  }
}

void quantizeRowQ8_0(const float* x, uint8_t* out, size_t n) {
  for (size_t b = 0; b < n / kQBlock; ++b, x += kQBlock, out += kQ8_0Bytes) {
    float amax = 0;
    for (size_t j = 0; j < kQBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127.0f;
    float id = d != 0 ? 1.0f / d : 0.0f;
    storeU16(out, floatToFp16(d));
    for (size_t j = 0; j < kQBlock; ++j) {
      out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::nearbyint(x[j] * id)));
    }
  }
}

}  // namespace wharf::engine

// SqueezeLLM's packing of 4-bit lookup-table indices into int32 (vLLM <= 0.6.0, wbits = 4):
// qweight is [K/8, N], packed along the input dimension without interleave: nibble j (bits
// 4j..4j+3) of packed row r, column n holds the index of input 8r + j of output feature n.
#pragma once

#include <cstdint>

namespace wharf::quant_squeezellm {

// The indices (0..15) of 8 consecutive inputs, `stride` bytes apart, packed into one int32.
inline int32_t packSqueezeLlm8(const uint8_t* indices, int64_t stride = 1) {
  uint32_t v = 0;
  for (int j = 0; j < 8; ++j) v |= static_cast<uint32_t>(indices[j * stride] & 0xF) << (4 * j);
  return static_cast<int32_t>(v);
}

// The index of input j (0..7) of a packed int32.
inline uint8_t squeezeLlmIndex(int32_t packed, int j) {
  return static_cast<uint8_t>((static_cast<uint32_t>(packed) >> (4 * j)) & 0xF);
}

}  // namespace wharf::quant_squeezellm

// AutoAWQ's "gemm" packing of 4-bit values into int32: each int32 holds 8 consecutive output
// columns, with nibble i (bits 4i..4i+3) holding column kAwqOrder[i] of its group of 8.
#pragma once

#include <cstdint>

namespace wharf::quant_awq {

inline constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};
// Column j of a group of 8 is in nibble kAwqColumnNibble[j].
inline constexpr int kAwqColumnNibble[8] = {0, 4, 1, 5, 2, 6, 3, 7};

// The 8 column values (0..15, column order) packed into one int32.
inline int32_t packAwq8(const uint8_t* columns) {
  uint32_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint32_t>(columns[kAwqOrder[i]] & 0xF) << (4 * i);
  return static_cast<int32_t>(v);
}

// Column j (0..7) of a packed int32.
inline uint8_t awqColumn(int32_t packed, int j) {
  return static_cast<uint8_t>((static_cast<uint32_t>(packed) >> (4 * kAwqColumnNibble[j])) & 0xF);
}

}  // namespace wharf::quant_awq

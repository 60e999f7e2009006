// A SqueezeLLM linear layer repacked for the CPU kernels. Per output row n: its lookup table as 16
// f32 values; its K indices as nibbles, 16 bytes per block of 32 inputs, byte j (0..15) of block b
// holding input 32b + j in its low nibble and input 32b + 16 + j in its high nibble (so one byte
// widened to a 32-bit lane indexes the table for two inputs 16 apart); and the row's sparse
// corrections (Wharf's dense-and-sparse extension, the SqueezeLLM paper's outliers) as CSR with
// f32 values. W[n, k] = LUT[n][index(n, k)] + S[n, k].
#pragma once

#include <cstdint>
#include <vector>

#include "wharf/cpp/tensor.hpp"

namespace wharf::quant_squeezellm {

struct SqueezeLlmConfig;

struct SqueezeLlmWeights {
  int64_t n = 0, k = 0;
  std::vector<float> lut;            // [n][16]
  std::vector<uint8_t> nibbles;      // [n][k / 2]
  std::vector<int32_t> sparse_rows;  // [n + 1]: row r's corrections are [rows[r], rows[r + 1])
  std::vector<int32_t> sparse_cols;  // [nnz], strictly increasing within a row
  std::vector<float> sparse_values;  // [nnz]

  const float* rowLut(int64_t r) const { return lut.data() + static_cast<size_t>(r) * 16; }
  const uint8_t* rowNibbles(int64_t r) const {
    return nibbles.data() + static_cast<size_t>(r) * static_cast<size_t>(k / 2);
  }
  int64_t nnz() const { return static_cast<int64_t>(sparse_cols.size()); }
  uint64_t bytes() const {
    return nibbles.size() + lut.size() * sizeof(float) +
           (sparse_rows.size() + sparse_cols.size()) * sizeof(int32_t) +
           sparse_values.size() * sizeof(float);
  }
  // The lookup-table index of weight (row r, input i).
  uint8_t indexAt(int64_t r, int64_t i) const;
  // The sparse correction of weight (row r, input i), and whether there is one.
  bool sparseAt(int64_t r, int64_t i, float* value) const;
  // The dequantized weight (row r, input i): LUT[r][index] plus the correction where there is one
  // (one f32 addition, as tests/quant/packing_reference.py computes it).
  float at(int64_t r, int64_t i) const;

  // From qweight I32 [K/8, N], lookup_table F16 [N, 16] and, optionally, all of sparse_indptr I32
  // [N + 1], sparse_indices I32 [nnz] and sparse_values F16 [nnz]. Throws wharf::Error naming the
  // tensor: NOT_FOUND for a missing one, DATA for a wrong dtype or shape or a CSR entry out of
  // order or range, UNSUPPORTED for K not a multiple of 32 (what the kernels need).
  static SqueezeLlmWeights fromCheckpoint(const SqueezeLlmConfig& config,
                                          const std::vector<wharf_tensor>& tensors);
};

}  // namespace wharf::quant_squeezellm

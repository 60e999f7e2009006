#include "squeezellm_weights.hpp"

#include <algorithm>
#include <limits>

#include "squeezellm_config.hpp"
#include "squeezellm_packing.hpp"

namespace wharf::quant_squeezellm {

namespace {

constexpr const char* kSparseNames[] = {"sparse_indptr", "sparse_indices", "sparse_values"};

// A 1-D tensor of `dtype` and any length: throws Error(DATA) naming it otherwise.
int64_t expectVector(const wharf_tensor& t, wharf_dtype dtype, const char* length) {
  if (t.ndim != 1 || t.shape[0] < 0)
    throw Error(WHARF_ERR_DATA, "tensor '" + std::string(t.name ? t.name : "?") + "' is " +
                                    describeTensor(t) + ", expected " + dtypeName(dtype) + " [" +
                                    length + "]");
  expectTensor(t, dtype, {t.shape[0]});
  return t.shape[0];
}

// The CSR part, checked entry by entry: row pointers from 0, never decreasing, ending at nnz;
// indices in [0, k), strictly increasing within a row.
void readSparse(SqueezeLlmWeights& w, const wharf_tensor& indptr, const wharf_tensor& indices,
                const wharf_tensor& values) {
  expectTensor(indptr, WHARF_DTYPE_I32, {w.n + 1});
  const int64_t nnz = expectVector(indices, WHARF_DTYPE_I32, "nnz");
  expectTensor(values, WHARF_DTYPE_F16, {nnz});
  w.sparse_rows.resize(static_cast<size_t>(w.n + 1));
  for (int64_t r = 0; r <= w.n; ++r) {
    const int32_t v = loadI32(indptr, r);
    if (r == 0 && v != 0)
      throw Error(WHARF_ERR_DATA,
                  "tensor 'sparse_indptr' entry 0 is " + std::to_string(v) + ", not 0");
    if (r > 0 && v < w.sparse_rows[static_cast<size_t>(r - 1)])
      throw Error(WHARF_ERR_DATA, "tensor 'sparse_indptr' entry " + std::to_string(r) + " is " +
                                      std::to_string(v) + ", below entry " + std::to_string(r - 1) +
                                      " (" +
                                      std::to_string(w.sparse_rows[static_cast<size_t>(r - 1)]) +
                                      "): row pointers never decrease");
    w.sparse_rows[static_cast<size_t>(r)] = v;
  }
  if (w.sparse_rows.back() != nnz)
    throw Error(WHARF_ERR_DATA, "tensor 'sparse_indptr' ends at " +
                                    std::to_string(w.sparse_rows.back()) + " (entry " +
                                    std::to_string(w.n) + "), but 'sparse_indices' has " +
                                    std::to_string(nnz) + " entries");
  w.sparse_cols.resize(static_cast<size_t>(nnz));
  w.sparse_values.resize(static_cast<size_t>(nnz));
  for (int64_t r = 0; r < w.n; ++r) {
    const int64_t begin = w.sparse_rows[static_cast<size_t>(r)];
    const int64_t end = w.sparse_rows[static_cast<size_t>(r + 1)];
    for (int64_t e = begin; e < end; ++e) {
      const int32_t c = loadI32(indices, e);
      auto refuse = [&](const std::string& why) {
        throw Error(WHARF_ERR_DATA, "tensor 'sparse_indices' entry " + std::to_string(e) +
                                        " (row " + std::to_string(r) + ") is " + std::to_string(c) +
                                        ", " + why);
      };
      if (c < 0 || c >= w.k) refuse("outside [0, " + std::to_string(w.k) + ")");
      if (e > begin && c <= w.sparse_cols[static_cast<size_t>(e - 1)])
        refuse("not above entry " + std::to_string(e - 1) + " (" +
               std::to_string(w.sparse_cols[static_cast<size_t>(e - 1)]) +
               "): a row's indices increase strictly");
      w.sparse_cols[static_cast<size_t>(e)] = c;
      w.sparse_values[static_cast<size_t>(e)] = loadF16(values, e);
    }
  }
}

}  // namespace

uint8_t SqueezeLlmWeights::indexAt(int64_t r, int64_t i) const {
  const uint8_t byte = rowNibbles(r)[(i / 32) * 16 + i % 16];
  return (i % 32) < 16 ? byte & 0xF : byte >> 4;
}

bool SqueezeLlmWeights::sparseAt(int64_t r, int64_t i, float* value) const {
  const auto begin = sparse_cols.begin() + sparse_rows[static_cast<size_t>(r)];
  const auto end = sparse_cols.begin() + sparse_rows[static_cast<size_t>(r + 1)];
  const auto it = std::lower_bound(begin, end, i);
  if (it == end || *it != i) return false;
  *value = sparse_values[static_cast<size_t>(it - sparse_cols.begin())];
  return true;
}

float SqueezeLlmWeights::at(int64_t r, int64_t i) const {
  const float dense = rowLut(r)[indexAt(r, i)];
  float s;
  return sparseAt(r, i, &s) ? dense + s : dense;
}

SqueezeLlmWeights SqueezeLlmWeights::fromCheckpoint(const SqueezeLlmConfig&,
                                                    const std::vector<wharf_tensor>& tensors) {
  const wharf_tensor& qweight = requireTensor(tensors, "qweight");
  const wharf_tensor& lut = requireTensor(tensors, "lookup_table");
  const wharf_tensor* sparse[3];
  int present = 0;
  for (int i = 0; i < 3; ++i)
    present += (sparse[i] = findTensor(tensors, kSparseNames[i])) != nullptr;
  if (present != 0 && present != 3) {
    for (int i = 0; i < 3; ++i)
      if (!sparse[i])
        throw Error(WHARF_ERR_NOT_FOUND,
                    std::string("tensor '") + kSparseNames[i] +
                        "' is missing (the sparse part is sparse_indptr, sparse_indices and "
                        "sparse_values together, or none of them)");
  }
  if (qweight.ndim != 2) expectTensor(qweight, WHARF_DTYPE_I32, {0, 0});
  const int64_t packed_rows = qweight.shape[0], n = qweight.shape[1];
  // Sparse indices and row pointers are int32: K and N + 1 must fit.
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max() - 1;
  if (packed_rows <= 0 || n <= 0 || packed_rows > kMax / 8 || n > kMax)
    throw Error(WHARF_ERR_DATA, "tensor 'qweight' is " + describeTensor(qweight) +
                                    ", not [K/8 x N] of a layer with inputs and outputs");
  const int64_t k = packed_rows * 8;
  if (k % 32 != 0)
    throw Error(WHARF_ERR_UNSUPPORTED, "tensor 'qweight' has " + std::to_string(k) +
                                           " input features; the CPU kernels need a multiple "
                                           "of 32");
  expectTensor(qweight, WHARF_DTYPE_I32, {packed_rows, n});
  expectTensor(lut, WHARF_DTYPE_F16, {n, 16});

  SqueezeLlmWeights w;
  w.n = n;
  w.k = k;
  if (present == 3) {
    readSparse(w, *sparse[0], *sparse[1], *sparse[2]);
  } else {
    w.sparse_rows.assign(static_cast<size_t>(n + 1), 0);
  }
  w.lut.resize(static_cast<size_t>(n * 16));
  for (int64_t i = 0; i < n * 16; ++i) w.lut[static_cast<size_t>(i)] = loadF16(lut, i);
  w.nibbles.assign(static_cast<size_t>(n * k / 2), 0);
  for (int64_t pr = 0; pr < packed_rows; ++pr) {
    for (int64_t c = 0; c < n; ++c) {
      const int32_t packed = loadI32(qweight, pr * n + c);
      uint8_t* row = w.nibbles.data() + static_cast<size_t>(c * (k / 2));
      for (int j = 0; j < 8; ++j) {
        const int64_t i = pr * 8 + j;
        row[(i / 32) * 16 + i % 16] |=
            static_cast<uint8_t>(squeezeLlmIndex(packed, j) << ((i % 32) < 16 ? 0 : 4));
      }
    }
  }
  return w;
}

}  // namespace wharf::quant_squeezellm

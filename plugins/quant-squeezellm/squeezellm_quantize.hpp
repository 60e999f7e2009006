// SqueezeLLM's non-uniform 4-bit quantization of one weight matrix [N, K]: per output row, a
// sensitivity-weighted 1-D k-means with 16 centroids (the row's lookup table, stored in f16), each
// weight taking the index of its nearest f16 centroid. With "sparse" > 0, that fraction of the
// layer's weights farthest from their row's mean are first taken out as outliers: they stay out of
// the clustering and are stored exactly as f16 corrections S = w - LUT[index] (Wharf's
// dense-and-sparse extension of the format, as in the SqueezeLLM paper).
//
// The k-means works on each row's values sorted once: in 1-D a cluster is an interval of the
// sorted values, so a Lloyd iteration finds the 15 boundaries (midpoints between the sorted
// centroids) by binary search and the centroids from weighted prefix sums, O(log K) per
// centroid; the row costs O(K log K) in all. It starts from the weighted quantiles (j + 1/2) / 16
// and stops when no boundary moves, or after "iterations". A second run starts from the uniform
// grid over the row's range and the lower weighted error wins: from the quantiles alone, Lloyd can
// stay stuck in the bulk of a heavy-tailed row, while from the grid it ends no worse than the grid.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "wharf/cpp/tensor.hpp"

namespace wharf::quant_squeezellm {

struct SqueezeLlmQuantizeOptions {
  // Per-input-channel weights of the squared error (e.g. the mean squared activation of each
  // channel over calibration data: the diagonal approximation of the Fisher information used
  // where no gradient is available). Empty: every channel weighs 1.
  std::vector<float> sensitivity;
  // The fraction of the layer's weights kept as sparse f16 corrections (0: dense only).
  double sparse = 0;
  // Lloyd iterations per row, at most.
  int64_t iterations = 30;

  // {"sensitivity": [K numbers >= 0], "sparse": fraction in [0, 1), "iterations": N >= 0}; other
  // keys are left to the caller. Throws wharf::Error(INVALID_ARGUMENT) naming the key.
  static SqueezeLlmQuantizeOptions parse(const std::string& json);
};

struct SqueezeLlmTensors {
  int64_t n = 0, k = 0;
  std::vector<int32_t> qweight;         // [K/8, N]
  std::vector<uint16_t> lookup_table;   // [N, 16], f16 bits, ascending within a row
  bool sparse = false;                  // whether the sparse tensors are emitted
  std::vector<int32_t> sparse_indptr;   // [N + 1]
  std::vector<int32_t> sparse_indices;  // [nnz]
  std::vector<uint16_t> sparse_values;  // [nnz], f16 bits
};

// The 16 centroids (ascending) of values[0..count), sorted ascending, each weighing weights[i]
// (>= 0; all of them count as 1 when they add up to 0): the better of at most `iterations` Lloyd
// iterations from the weighted quantiles and from the uniform grid. All zero when count is 0.
std::array<float, 16> weightedKMeans1d(const float* values, const float* weights, int64_t count,
                                       int64_t iterations);

// weight: host F32/F16/BF16 [N, K] with K % 8 == 0 and finite values within the f16 range;
// throws wharf::Error(INVALID_ARGUMENT) naming the shape, the option or the weight otherwise.
SqueezeLlmTensors quantizeSqueezeLlm(const wharf_tensor& weight,
                                     const SqueezeLlmQuantizeOptions& options);

// Emits qweight, lookup_table and, when t.sparse, sparse_indptr, sparse_indices and sparse_values
// through a wharf_tensor_sink_fn.
void emitSqueezeLlmTensors(const SqueezeLlmTensors& t, wharf_tensor_sink_fn sink, void* ctx);

}  // namespace wharf::quant_squeezellm

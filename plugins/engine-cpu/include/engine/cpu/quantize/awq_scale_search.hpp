// AWQ's activation-aware scale search (Lin et al., arXiv 2306.00978, section 3.2): for the linear
// layers that share one input X (q/k/v, gate/up, down, o), try per-input-channel scales
// s = mean|x|^alpha (normalised so that sqrt(max s * min s) = 1) for alpha on a grid in [0, 1),
// quantize W * diag(s) with the backend itself (its own quantize, loadLinear and CPU kernels, so
// the search measures the arithmetic that will serve), run it on X * diag(1/s) and keep the alpha
// with the least mean squared error against X * W^T. alpha = 0 is plain RTN, so the result is
// never worse than RTN on the calibration rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cpu/quantize/activation_stats.hpp"
#include "engine/cpu/thread_pool.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::engine {

struct ScaleSearch {
  std::vector<float> scale;  // per input channel: the weights' columns are multiplied by it
  double alpha = 0;
  double rtn_error = 0;   // mean squared output error at alpha = 0
  double best_error = 0;  // at the chosen alpha
};

// weight: the concatenated rows (n x k, f32) of the layers sharing the input.
ScaleSearch searchAwqScale(const QuantClient& backend, const std::string& options_json,
                           const std::vector<float>& weight, int64_t n, int64_t k,
                           const ActivationSample& input, ThreadPool& pool, int grid);

// y = x * w^T (rows x n) in f32 on the pool, for the search's reference outputs.
std::vector<float> denseProduct(ThreadPool& pool, const std::vector<float>& x, int64_t rows,
                                const std::vector<float>& w, int64_t n, int64_t k);

}  // namespace wharf::engine

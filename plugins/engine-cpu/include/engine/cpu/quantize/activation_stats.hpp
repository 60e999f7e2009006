// Calibration statistics of every linear layer's input, gathered from the runner's forward passes
// over calibration text (CpuLlamaRunner::observeActivations): per input channel the mean |x|
// (AWQ's activation salience) and the mean x² (the diagonal of the layer-wise reconstruction
// loss's Hessian, SqueezeLLM's sensitivity where no gradient is available), and a sample of rows
// spread evenly over the calibration tokens (AWQ's scale search replays them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "engine/cpu/cpu_llama_runner.hpp"

namespace wharf::engine {

struct ActivationSample {
  size_t cols = 0;
  uint64_t count = 0;              // rows seen
  std::vector<double> abs_sum;     // per channel
  std::vector<double> square_sum;  // per channel
  std::vector<float> rows;         // kept rows, rows() x cols
  size_t keptRows() const { return cols ? rows.size() / cols : 0; }
  std::vector<float> meanAbs() const;
  std::vector<float> meanSquare() const;
};

class ActivationStats {
 public:
  // Keeps every `stride`-th row seen, at most `max_rows` per input.
  ActivationStats(size_t stride, size_t max_rows) : stride_(stride ? stride : 1), max_(max_rows) {}
  void observe(size_t layer, LinearInput input, const float* x, size_t rows, size_t cols);
  // Throws wharf::Error(INTERNAL) when nothing was observed for that input.
  const ActivationSample& get(size_t layer, LinearInput input) const;

 private:
  size_t stride_, max_;
  std::map<std::pair<size_t, LinearInput>, ActivationSample> samples_;
};

}  // namespace wharf::engine

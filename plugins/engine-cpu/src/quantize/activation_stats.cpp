#include "engine/cpu/quantize/activation_stats.hpp"

#include <cmath>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

std::vector<float> ActivationSample::meanAbs() const {
  std::vector<float> out(cols);
  for (size_t i = 0; i < cols; ++i)
    out[i] = static_cast<float>(abs_sum[i] / static_cast<double>(count ? count : 1));
  return out;
}

std::vector<float> ActivationSample::meanSquare() const {
  std::vector<float> out(cols);
  for (size_t i = 0; i < cols; ++i)
    out[i] = static_cast<float>(square_sum[i] / static_cast<double>(count ? count : 1));
  return out;
}

void ActivationStats::observe(size_t layer, LinearInput input, const float* x, size_t rows,
                              size_t cols) {
  ActivationSample& s = samples_[{layer, input}];
  if (s.cols == 0) {
    s.cols = cols;
    s.abs_sum.assign(cols, 0.0);
    s.square_sum.assign(cols, 0.0);
  }
  if (s.cols != cols) throw Error(WHARF_ERR_INTERNAL, "activation width changed");
  for (size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    for (size_t i = 0; i < cols; ++i) {
      const double v = row[i];
      s.abs_sum[i] += std::fabs(v);
      s.square_sum[i] += v * v;
    }
    if (s.count % stride_ == 0 && s.keptRows() < max_) s.rows.insert(s.rows.end(), row, row + cols);
    ++s.count;
  }
}

const ActivationSample& ActivationStats::get(size_t layer, LinearInput input) const {
  auto it = samples_.find({layer, input});
  if (it == samples_.end() || it->second.count == 0)
    throw Error(WHARF_ERR_INTERNAL,
                "no calibration activations for layer " + std::to_string(layer));
  return it->second;
}

}  // namespace wharf::engine

#include "engine/cpu/quantize/awq_scale_search.hpp"

#include <algorithm>
#include <cmath>

#include "engine/cpu/kernels.hpp"
#include "engine/cpu/lent_cpu_pool.hpp"
#include "engine/cpu/matmul.hpp"
#include "wharf/cpp/tensor.hpp"

namespace wharf::engine {

namespace {

// The backend's layer for `w` (n x k): quantized, then loaded back for the CPU.
QuantLinear quantizedLayer(const QuantClient& backend, const std::string& options,
                           const std::vector<float>& w, int64_t n, int64_t k) {
  std::vector<std::vector<uint8_t>> storage;
  std::vector<std::string> names;
  std::vector<wharf_tensor> tensors;
  backend.quantize(hostF32(w.data(), n, k), options, [&](const wharf_tensor& t) {
    const size_t bytes = static_cast<size_t>(tensorElements(t)) * dtypeBytes(t.dtype);
    const auto* p = static_cast<const uint8_t*>(t.data);
    storage.emplace_back(p, p + bytes);
    names.emplace_back(t.name ? t.name : "");
    tensors.push_back(t);
  });
  for (size_t i = 0; i < tensors.size(); ++i) {
    tensors[i].data = storage[i].data();
    tensors[i].name = names[i].c_str();
  }
  return backend.loadLinear(options, tensors, WHARF_DEVICE_CPU, 0);
}

double meanSquaredError(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return a.empty() ? 0.0 : sum / static_cast<double>(a.size());
}

}  // namespace

std::vector<float> denseProduct(ThreadPool& pool, const std::vector<float>& x, int64_t rows,
                                const std::vector<float>& w, int64_t n, int64_t k) {
  WeightMatrix m;
  m.type = GgmlType::F32;
  m.data = reinterpret_cast<const uint8_t*>(w.data());
  m.rows = n;
  m.cols = k;
  m.row_bytes = static_cast<size_t>(k) * sizeof(float);
  std::vector<float> y(static_cast<size_t>(rows * n));
  MatmulInput scratch;
  matmul(pool, kernels(), x.data(), rows, k, {{&m, y.data()}}, scratch);
  return y;
}

ScaleSearch searchAwqScale(const QuantClient& backend, const std::string& options,
                           const std::vector<float>& weight, int64_t n, int64_t k,
                           const ActivationSample& input, ThreadPool& pool, int grid) {
  const int64_t rows = static_cast<int64_t>(input.keptRows());
  const std::vector<float>& x = input.rows;
  const std::vector<float> reference = denseProduct(pool, x, rows, weight, n, k);
  const std::vector<float> salience = input.meanAbs();
  const LentCpuPool lent(pool);
  ScaleSearch best;
  std::vector<float> s(static_cast<size_t>(k)), ws(weight.size()), xs(x.size()),
      y(reference.size());
  for (int g = 0; g < std::max(grid, 1); ++g) {
    const double alpha = static_cast<double>(g) / std::max(grid, 1);
    float lo = INFINITY, hi = 0;
    for (int64_t i = 0; i < k; ++i) {
      s[i] = std::max(std::pow(std::max(salience[i], 1e-8f), static_cast<float>(alpha)), 1e-4f);
      lo = std::min(lo, s[i]);
      hi = std::max(hi, s[i]);
    }
    const float norm = std::sqrt(lo * hi);
    for (float& v : s) v /= norm;
    for (int64_t r = 0; r < n; ++r)
      for (int64_t i = 0; i < k; ++i) ws[r * k + i] = weight[r * k + i] * s[i];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < k; ++i) xs[r * k + i] = x[r * k + i] / s[i];
    const QuantLinear layer = quantizedLayer(backend, options, ws, n, k);
    const wharf_tensor xt = hostF32(xs.data(), rows, k);
    wharf_tensor yt = hostF32(y.data(), rows, n);
    layer.forwardCpu(xt, yt, lent.get());
    const double error = meanSquaredError(y, reference);
    if (g == 0) best.rtn_error = error;
    if (g == 0 || error < best.best_error) {
      best.best_error = error;
      best.alpha = alpha;
      best.scale = s;
    }
  }
  return best;
}

}  // namespace wharf::engine

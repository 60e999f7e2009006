#include "squeezellm_forward.hpp"

#include <vector>

#include "wharf_cpu/row_tiles.hpp"

namespace wharf::quant_squeezellm {

void squeezeLlmForward(const SqueezeLlmWeights& w, const SqueezeLlmKernels& kernels,
                       const wharf_tensor& x, wharf_tensor& y, const CpuPool& pool) {
  const SqueezeLlmWeights* layers[] = {&w};
  squeezeLlmForwardMany(layers, kernels, x, std::span<wharf_tensor>(&y, 1), pool);
}

void squeezeLlmForwardMany(std::span<const SqueezeLlmWeights* const> layers,
                           const SqueezeLlmKernels& kernels, const wharf_tensor& x,
                           std::span<wharf_tensor> ys, const CpuPool& pool) {
  if (layers.size() != ys.size())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "SqueezeLLM forward: " + std::to_string(layers.size()) +
                                                " layers but " + std::to_string(ys.size()) +
                                                " outputs");
  std::vector<int64_t> features(layers.size());
  size_t total = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const SqueezeLlmWeights& w = *layers[i];
    expectRows(x, "SqueezeLLM forward: x", w.k);
    expectRows(ys[i], "SqueezeLLM forward: y", w.n);
    if (ys[i].shape[0] != x.shape[0])
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "SqueezeLLM forward: x has " +
                                                  std::to_string(x.shape[0]) + " rows but y has " +
                                                  std::to_string(ys[i].shape[0]));
    total += static_cast<size_t>(features[i] = w.n);
  }
  const int64_t rows = x.shape[0];
  if (rows == 0) return;
  const float* xp = static_cast<const float*>(x.data);
  pool.parallelFor(total, [&](size_t begin, size_t end, uint32_t) {
    cpu::forEachLayerSlice(features, begin, end, [&](size_t i, int64_t lo, int64_t hi) {
      const SqueezeLlmWeights& w = *layers[i];
      float* yp = static_cast<float*>(const_cast<void*>(ys[i].data));
      cpu::tileRows(lo, hi, rows, [&](int64_t r, int64_t t, int nt) {
        float v[cpu::kTokensPerDot];
        kernels.dot(w, r, xp + t * w.k, w.k, nt, v);
        addSparse(w, r, xp + t * w.k, w.k, nt, v);
        for (int u = 0; u < nt; ++u) yp[(t + u) * w.n + r] = v[u];
      });
    });
  });
}

}  // namespace wharf::quant_squeezellm

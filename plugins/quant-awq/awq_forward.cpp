#include "awq_forward.hpp"

#include <vector>

#include "wharf_cpu/row_tiles.hpp"

namespace wharf::quant_awq {

namespace {
constexpr int64_t kSerialQuantizeRows = 16;

void checkShapes(const AwqWeights& w, const wharf_tensor& x, const wharf_tensor& y) {
  expectRows(x, "AWQ forward: x", w.k);
  expectRows(y, "AWQ forward: y", w.n);
  if (y.shape[0] != x.shape[0])
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ forward: x has " + std::to_string(x.shape[0]) +
                                                " rows but y has " + std::to_string(y.shape[0]));
}

// Layers of one group size, on one quantization of x.
void forwardGroup(std::span<const AwqWeights* const> layers, const AwqKernels& kernels,
                  const wharf_tensor& x, std::span<wharf_tensor> ys, const CpuPool& pool) {
  const AwqWeights& w0 = *layers[0];
  const int64_t rows = x.shape[0];
  const float* xp = static_cast<const float*>(x.data);
  // Per calling thread, grown once and reused by every layer. The workers reach it through the
  // reference (a lambda naming a thread_local would see the worker's own, empty instance).
  thread_local QuantizedRows scratch;
  QuantizedRows& act = scratch;
  act.resize(rows, w0.k, w0.group);
  if (rows <= kSerialQuantizeRows) {
    for (int64_t t = 0; t < rows; ++t) act.quantizeRow(t, xp + t * w0.k);
  } else {
    pool.parallelFor(static_cast<size_t>(rows), [&](size_t begin, size_t end, uint32_t) {
      for (size_t t = begin; t < end; ++t) {
        act.quantizeRow(static_cast<int64_t>(t), xp + static_cast<int64_t>(t) * w0.k);
      }
    });
  }
  const QuantizedRows& in = act;
  std::vector<int64_t> features(layers.size());
  size_t total = 0;
  for (size_t i = 0; i < layers.size(); ++i)
    total += static_cast<size_t>(features[i] = layers[i]->n);
  pool.parallelFor(total, [&](size_t begin, size_t end, uint32_t) {
    cpu::forEachLayerSlice(features, begin, end, [&](size_t i, int64_t lo, int64_t hi) {
      const AwqWeights& w = *layers[i];
      float* yp = static_cast<float*>(const_cast<void*>(ys[i].data));
      cpu::tileRows(lo, hi, rows, [&](int64_t r, int64_t t, int nt) {
        float v[cpu::kTokensPerDot];
        kernels.dot(w, r, in, t, nt, v);
        for (int u = 0; u < nt; ++u) yp[(t + u) * w.n + r] = v[u];
      });
    });
  });
}

}  // namespace

void awqForward(const AwqWeights& w, const AwqKernels& kernels, const wharf_tensor& x,
                wharf_tensor& y, const CpuPool& pool) {
  const AwqWeights* layers[] = {&w};
  awqForwardMany(layers, kernels, x, std::span<wharf_tensor>(&y, 1), pool);
}

void awqForwardMany(std::span<const AwqWeights* const> layers, const AwqKernels& kernels,
                    const wharf_tensor& x, std::span<wharf_tensor> ys, const CpuPool& pool) {
  if (layers.size() != ys.size())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ forward: " + std::to_string(layers.size()) +
                                                " layers but " + std::to_string(ys.size()) +
                                                " outputs");
  for (size_t i = 0; i < layers.size(); ++i) checkShapes(*layers[i], x, ys[i]);
  if (layers.empty() || x.shape[0] == 0) return;
  // Runs of one group size share a quantization of x (a model's layers all have one).
  for (size_t first = 0; first < layers.size();) {
    size_t last = first + 1;
    while (last < layers.size() && layers[last]->group == layers[first]->group) ++last;
    forwardGroup(layers.subspan(first, last - first), kernels, x, ys.subspan(first, last - first),
                 pool);
    first = last;
  }
}

}  // namespace wharf::quant_awq

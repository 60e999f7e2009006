#include "awq_forward.hpp"

#include <algorithm>

namespace wharf::quant_awq {

namespace {
constexpr int64_t kRowTile = 64;
constexpr int64_t kTokenTile = 16;
constexpr int64_t kSerialQuantizeRows = 16;

}  // namespace

void awqForward(const AwqWeights& w, const AwqKernels& kernels, const wharf_tensor& x,
                wharf_tensor& y, const CpuPool& pool) {
  expectRows(x, "AWQ forward: x", w.k);
  expectRows(y, "AWQ forward: y", w.n);
  const int64_t rows = x.shape[0];
  if (y.shape[0] != rows)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ forward: x has " + std::to_string(rows) +
                                                " rows but y has " + std::to_string(y.shape[0]));
  if (rows == 0) return;
  const float* xp = static_cast<const float*>(x.data);
  float* yp = static_cast<float*>(const_cast<void*>(y.data));
  // Per calling thread, grown once and reused by every layer. The workers reach it through the
  // reference (a lambda naming a thread_local would see the worker's own, empty instance).
  thread_local QuantizedRows scratch;
  QuantizedRows& act = scratch;
  act.resize(rows, w.k, w.group);
  if (rows <= kSerialQuantizeRows) {
    for (int64_t t = 0; t < rows; ++t) act.quantizeRow(t, xp + t * w.k);
  } else {
    pool.parallelFor(static_cast<size_t>(rows), [&](size_t begin, size_t end, uint32_t) {
      for (size_t t = begin; t < end; ++t) {
        act.quantizeRow(static_cast<int64_t>(t), xp + static_cast<int64_t>(t) * w.k);
      }
    });
  }
  const QuantizedRows& in = act;
  pool.parallelFor(static_cast<size_t>(w.n), [&](size_t begin, size_t end, uint32_t) {
    const int64_t n1 = static_cast<int64_t>(end);
    for (int64_t r0 = static_cast<int64_t>(begin); r0 < n1; r0 += kRowTile) {
      const int64_t r1 = std::min(n1, r0 + kRowTile);
      for (int64_t t0 = 0; t0 < rows; t0 += kTokenTile) {
        const int64_t t1 = std::min(rows, t0 + kTokenTile);
        for (int64_t r = r0; r < r1; ++r) {
          for (int64_t t = t0; t < t1; t += 4) {
            const int nt = static_cast<int>(std::min<int64_t>(4, t1 - t));
            float v[4];
            kernels.dot(w, r, in, t, nt, v);
            for (int u = 0; u < nt; ++u) yp[(t + u) * w.n + r] = v[u];
          }
        }
      }
    }
  });
}

}  // namespace wharf::quant_awq

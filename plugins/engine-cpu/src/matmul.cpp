#include "engine/cpu/matmul.hpp"

#include <algorithm>
#include <span>

#include "engine/cpu/lent_cpu_pool.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/tensor.hpp"

namespace wharf::engine {

namespace {
// Tokens handled per pass over a range of weight rows: keeps their activations in cache while the
// weight rows stream through once.
constexpr int64_t kTokenTile = 16;
// Weight rows per pass inside a thread's range.
constexpr int64_t kRowTile = 64;
// One weight row with one activation row.
float matmulDot(const KernelTable& k, const WeightMatrix& w, const uint8_t* row,
                const MatmulInput& in, int64_t t, size_t nb, size_t n) {
  switch (w.type) {
    case GgmlType::Q4_0:
      return k.dot_q4_0(row, in.q8Row(t), nb);
    case GgmlType::Q4_1:
      return k.dot_q4_1(row, in.q8Row(t), nb);
    case GgmlType::Q8_0:
      return k.dot_q8_0(row, in.q8Row(t), nb);
    case GgmlType::F16:
      return k.dot_f16(row, in.f32Row(t), n);
    case GgmlType::BF16:
      return k.dot_bf16(row, in.f32Row(t), n);
    default:
      return k.dot_f32(reinterpret_cast<const float*>(row), in.f32Row(t), n);
  }
}

// outs[i] = x · W_iᵀ by the layers' quant backend, on the pool's threads: one call for layers of
// one backend (q/k/v share a quantization of x and one parallel loop).
void quantMatmul(ThreadPool& pool, std::span<const QuantLinear* const> layers,
                 std::span<wharf_tensor> outs, const float* x, int64_t rows, int64_t cols) {
  const wharf_tensor xt = hostF32(x, rows, cols);
  const LentCpuPool lent(pool);
  QuantLinear::forwardCpuMany(layers, xt, outs, lent.get());
}

}  // namespace

void MatmulInput::prepare(const float* x, int64_t rows, int64_t cols, bool quantize,
                          const KernelTable& k) {
  x_ = x;
  rows_ = rows;
  cols_ = cols;
  if (!quantize) return;
  if (cols % 32 != 0) throw Error(WHARF_ERR_INTERNAL, "quantized matmul needs cols % 32 == 0");
  size_t nb = static_cast<size_t>(cols / 32);
  q8_.resize(static_cast<size_t>(rows) * nb);
  for (int64_t r = 0; r < rows; ++r) {
    k.quantize_q8(x + r * cols, q8_.data() + static_cast<size_t>(r) * nb,
                  static_cast<size_t>(cols));
  }
}

void matmulRows(const KernelTable& k, const WeightMatrix& w, const MatmulInput& in, int64_t n0,
                int64_t n1, float* out) {
  const int64_t T = in.rows(), N = w.rows;
  const size_t nb = static_cast<size_t>(w.cols / 32), n = static_cast<size_t>(w.cols);
  for (int64_t r0 = n0; r0 < n1; r0 += kRowTile) {
    int64_t r1 = std::min(n1, r0 + kRowTile);
    for (int64_t t0 = 0; t0 < T; t0 += kTokenTile) {
      int64_t t1 = std::min(T, t0 + kTokenTile);
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.row(r);
        int64_t t = t0;
        if (w.quantized()) {
          auto dot4 = w.type == GgmlType::Q4_0   ? k.dot4_q4_0
                      : w.type == GgmlType::Q4_1 ? k.dot4_q4_1
                                                 : k.dot4_q8_0;
          auto dot2x4 = w.type == GgmlType::Q4_0   ? k.dot2x4_q4_0
                        : w.type == GgmlType::Q4_1 ? k.dot2x4_q4_1
                                                   : k.dot2x4_q8_0;
          if (r + 1 < r1 && t + 4 <= t1) {
            // Two weight rows at once for every full group of 4 tokens.
            for (; t + 4 <= t1; t += 4) {
              float v[8];
              dot2x4(row, w.row_bytes, in.q8Row(t), nb, nb, v);
              for (int64_t u = 0; u < 4; ++u) {
                out[(t + u) * N + r] = v[u];
                out[(t + u) * N + r + 1] = v[4 + u];
              }
            }
            for (int64_t u = t; u < t1; ++u) {
              out[u * N + r + 1] = matmulDot(k, w, w.row(r + 1), in, u, nb, n);
            }
            for (; t < t1; ++t) out[t * N + r] = matmulDot(k, w, row, in, t, nb, n);
            ++r;  // row r + 1 is done too
            continue;
          }
          for (; t + 4 <= t1; t += 4) {
            float v[4];
            dot4(row, in.q8Row(t), nb, nb, v);
            for (int64_t u = 0; u < 4; ++u) out[(t + u) * N + r] = v[u];
          }
        }
        for (; t < t1; ++t) out[t * N + r] = matmulDot(k, w, row, in, t, nb, n);
      }
    }
  }
}

void matmul(ThreadPool& pool, const KernelTable& k, const float* x, int64_t rows, int64_t cols,
            const std::vector<MatmulTarget>& targets, MatmulInput& scratch) {
  bool quantize = false;
  int64_t total = 0;
  std::vector<const QuantLinear*> quant_layers;
  std::vector<wharf_tensor> quant_outs;
  for (const MatmulTarget& t : targets) {
    if (t.weight->cols != cols) throw Error(WHARF_ERR_INTERNAL, "matmul shape mismatch");
    if (t.weight->quant) {
      quant_layers.push_back(t.weight->quant);
      quant_outs.push_back(hostF32(t.out, rows, t.weight->rows));
      continue;
    }
    quantize = quantize || t.weight->quantized();
    total += t.weight->rows;
  }
  // A quant backend's layers run their own parallel loop (lent the same threads).
  if (!quant_layers.empty()) quantMatmul(pool, quant_layers, quant_outs, x, rows, cols);
  if (total == 0) return;
  scratch.prepare(x, rows, cols, quantize, k);
  // One flat range over the rows of every target; each thread walks its slice.
  pool.parallelFor(static_cast<size_t>(total), [&](size_t begin, size_t end, int) {
    int64_t base = 0;
    for (const MatmulTarget& t : targets) {
      if (t.weight->quant) continue;
      int64_t lo = std::max<int64_t>(static_cast<int64_t>(begin), base);
      int64_t hi = std::min<int64_t>(static_cast<int64_t>(end), base + t.weight->rows);
      if (lo < hi) matmulRows(k, *t.weight, scratch, lo - base, hi - base, t.out);
      base += t.weight->rows;
    }
  });
}

}  // namespace wharf::engine

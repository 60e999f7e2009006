#include "engine/matmul.hpp"

#include <algorithm>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {
// Tokens handled per pass over a range of weight rows: keeps their activations in cache while the
// weight rows stream through once.
constexpr int64_t kTokenTile = 16;
// Weight rows per pass inside a thread's range.
constexpr int64_t kRowTile = 64;
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
          for (; t + 4 <= t1; t += 4) {
            float v[4];
            dot4(row, in.q8Row(t), nb, nb, v);
            for (int64_t u = 0; u < 4; ++u) out[(t + u) * N + r] = v[u];
          }
        }
        for (; t < t1; ++t) {
          float v;
          switch (w.type) {
            case GgmlType::Q4_0:
              v = k.dot_q4_0(row, in.q8Row(t), nb);
              break;
            case GgmlType::Q4_1:
              v = k.dot_q4_1(row, in.q8Row(t), nb);
              break;
            case GgmlType::Q8_0:
              v = k.dot_q8_0(row, in.q8Row(t), nb);
              break;
            case GgmlType::F16:
              v = k.dot_f16(row, in.f32Row(t), n);
              break;
            case GgmlType::BF16:
              v = k.dot_bf16(row, in.f32Row(t), n);
              break;
            default:
              v = k.dot_f32(reinterpret_cast<const float*>(row), in.f32Row(t), n);
              break;
          }
          out[t * N + r] = v;
        }
      }
    }
  }
}

void matmul(ThreadPool& pool, const KernelTable& k, const float* x, int64_t rows, int64_t cols,
            const std::vector<MatmulTarget>& targets, MatmulInput& scratch) {
  bool quantize = false;
  int64_t total = 0;
  for (const MatmulTarget& t : targets) {
    if (t.weight->cols != cols) throw Error(WHARF_ERR_INTERNAL, "matmul shape mismatch");
    quantize = quantize || t.weight->quantized();
    total += t.weight->rows;
  }
  scratch.prepare(x, rows, cols, quantize, k);
  // One flat range over the rows of every target; each thread walks its slice.
  pool.parallelFor(static_cast<size_t>(total), [&](size_t begin, size_t end, int) {
    int64_t base = 0;
    for (const MatmulTarget& t : targets) {
      int64_t lo = std::max<int64_t>(static_cast<int64_t>(begin), base);
      int64_t hi = std::min<int64_t>(static_cast<int64_t>(end), base + t.weight->rows);
      if (lo < hi) matmulRows(k, *t.weight, scratch, lo - base, hi - base, t.out);
      base += t.weight->rows;
    }
  });
}

}  // namespace wharf::engine

// y = x · Wᵀ for GGML-typed weight matrices, computed straight from the quantized blocks: the
// activations are quantized once to Q8 blocks (as llama.cpp does) for Q4_0/Q4_1/Q8_0 weights, and
// used as f32 for F32/F16/BF16 weights. Rows of the outputs are split across the thread pool;
// several matrices that share an input (q/k/v, gate/up) run in one parallel loop.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/cpu/kernels.hpp"
#include "engine/cpu/thread_pool.hpp"
#include "engine/model/llama_weights.hpp"

namespace wharf::engine {

// Activation rows prepared for the dot kernels.
class MatmulInput {
 public:
  // x: rows x cols f32, row-major; kept by pointer (must outlive the matmul).
  void prepare(const float* x, int64_t rows, int64_t cols, bool quantize, const KernelTable& k);
  const float* f32Row(int64_t r) const { return x_ + r * cols_; }
  const BlockQ8* q8Row(int64_t r) const { return q8_.data() + r * (cols_ / 32); }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }

 private:
  const float* x_ = nullptr;
  int64_t rows_ = 0, cols_ = 0;
  std::vector<BlockQ8> q8_;
};

struct MatmulTarget {
  const WeightMatrix* weight;
  float* out;  // rows x weight->rows, row-major
};

// Computes every target's out = input · weightᵀ.
void matmul(ThreadPool& pool, const KernelTable& k, const float* x, int64_t rows, int64_t cols,
            const std::vector<MatmulTarget>& targets, MatmulInput& scratch);

// out[t][n] for weight rows [n0, n1) on the calling thread.
void matmulRows(const KernelTable& k, const WeightMatrix& w, const MatmulInput& in, int64_t n0,
                int64_t n1, float* out);

}  // namespace wharf::engine

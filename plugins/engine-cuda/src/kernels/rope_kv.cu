// RoPE on queries and keys, and the KV cache writes.
#include "engine/cuda/kernels.hpp"
#include "launch.cuh"

namespace wharf::engine::cuda {

namespace {

// One thread per (row, head, pair).
__global__ void ropeKernel(float* x, const int32_t* positions, const float* inv_freq, int rows,
                           int heads, int head_dim, int pairs, bool neox) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t total = static_cast<int64_t>(rows) * heads * pairs;
  if (i >= total) return;
  const int p = static_cast<int>(i % pairs);
  const int64_t rh = i / pairs;  // row * heads + head
  const int r = static_cast<int>(rh / heads);
  float* v = x + rh * head_dim;
  const double theta = static_cast<double>(positions[r]) * static_cast<double>(inv_freq[p]);
  double s, c;
  sincos(theta, &s, &c);
  const float cf = static_cast<float>(c), sf = static_cast<float>(s);
  const int a = neox ? p : 2 * p, b = neox ? p + pairs : 2 * p + 1;
  const float x0 = v[a], x1 = v[b];
  v[a] = x0 * cf - x1 * sf;
  v[b] = x0 * sf + x1 * cf;
}

__global__ void storeKvKernel(const float* k, const float* v, const int64_t* slots,
                              uint16_t* k_cache, uint16_t* v_cache, int kv_dim) {
  const int r = blockIdx.x;
  const int64_t slot = slots[r];
  if (slot < 0) return;  // a padding row
  const size_t src = static_cast<size_t>(r) * kv_dim, dst = static_cast<size_t>(slot) * kv_dim;
  for (int i = threadIdx.x; i < kv_dim; i += blockDim.x) {
    k_cache[dst + i] = float2half(k[src + i]);
    v_cache[dst + i] = float2half(v[src + i]);
  }
}

}  // namespace

void applyRope(float* x, const int32_t* positions, const float* inv_freq, int rows, int heads,
               int head_dim, int pairs, bool neox, cudaStream_t stream) {
  const int64_t total = static_cast<int64_t>(rows) * heads * pairs;
  if (total == 0) return;
  const unsigned blocks = static_cast<unsigned>((total + 255) / 256);
  ropeKernel<<<blocks, 256, 0, stream>>>(x, positions, inv_freq, rows, heads, head_dim, pairs,
                                         neox);
  checkLaunch("applyRope");
}

void storeKv(const float* k, const float* v, const int64_t* slots, uint16_t* k_cache,
             uint16_t* v_cache, int rows, int kv_dim, cudaStream_t stream) {
  if (rows == 0) return;
  storeKvKernel<<<rows, 128, 0, stream>>>(k, v, slots, k_cache, v_cache, kv_dim);
  checkLaunch("storeKv");
}

}  // namespace wharf::engine::cuda

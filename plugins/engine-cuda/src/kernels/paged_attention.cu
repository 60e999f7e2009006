// Decode-style paged attention: one thread block per (row, query head), four warps. Warp w takes
// keys first + w, first + w + 4, ...; each lane holds head_dim / 32 dims of the query and of its
// running output; every warp keeps its own online softmax (max, sum, output), and the four are
// merged at the end. Prefill rows run the same way (each row is a query at its own position).
#include <cfloat>

#include "engine/cuda/kernels.hpp"
#include "launch.cuh"

namespace wharf::engine::cuda {

namespace {

constexpr int kWarps = 4;
constexpr int kMaxDimsPerLane = 8;  // head_dim <= 256
constexpr int kBlockTokens = 16;

__global__ void pagedAttentionKernel(const float* q, const uint16_t* k_cache,
                                     const uint16_t* v_cache, const int32_t* block_tables,
                                     int max_blocks, const int32_t* sequence_of,
                                     const int32_t* positions, uint16_t* out, int heads,
                                     int kv_heads, int head_dim, float scale, int window) {
  const int row = blockIdx.x, head = blockIdx.y;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int dims = head_dim / 32;
  const int kv_head = head / (heads / kv_heads);
  const int kv_dim = kv_heads * head_dim;
  const int len = positions[row] + 1;
  const int first = window > 0 && len > window ? len - window : 0;
  const int32_t* table = block_tables + static_cast<size_t>(sequence_of[row]) * max_blocks;

  float qr[kMaxDimsPerLane], acc[kMaxDimsPerLane];
  const float* qh = q + (static_cast<size_t>(row) * heads + head) * head_dim;
  for (int i = 0; i < dims; ++i) {
    qr[i] = qh[lane + 32 * i] * scale;
    acc[i] = 0.0f;
  }
  float m = -FLT_MAX, l = 0.0f;
  for (int j = first + warp; j < len; j += kWarps) {
    const size_t slot =
        static_cast<size_t>(table[j / kBlockTokens]) * kBlockTokens + j % kBlockTokens;
    const size_t base = slot * kv_dim + static_cast<size_t>(kv_head) * head_dim;
    float s = 0.0f;
    for (int i = 0; i < dims; ++i) s += qr[i] * half2float(k_cache[base + lane + 32 * i]);
    s = warpSum(s);
    const float m_new = fmaxf(m, s);
    const float correction = expf(m - m_new), p = expf(s - m_new);
    l = l * correction + p;
    for (int i = 0; i < dims; ++i)
      acc[i] = acc[i] * correction + p * half2float(v_cache[base + lane + 32 * i]);
    m = m_new;
  }
  __shared__ float warp_m[kWarps], warp_l[kWarps];
  __shared__ float warp_acc[kWarps][32 * kMaxDimsPerLane];
  if (lane == 0) {
    warp_m[warp] = m;
    warp_l[warp] = l;
  }
  for (int i = 0; i < dims; ++i) warp_acc[warp][lane + 32 * i] = acc[i];
  __syncthreads();
  if (warp != 0) return;
  float top = -FLT_MAX;
  for (int w = 0; w < kWarps; ++w)
    if (warp_l[w] > 0.0f) top = fmaxf(top, warp_m[w]);
  float total = 0.0f;
  for (int w = 0; w < kWarps; ++w)
    if (warp_l[w] > 0.0f) total += warp_l[w] * expf(warp_m[w] - top);
  uint16_t* o = out + (static_cast<size_t>(row) * heads + head) * head_dim;
  for (int i = 0; i < dims; ++i) {
    float v = 0.0f;
    for (int w = 0; w < kWarps; ++w)
      if (warp_l[w] > 0.0f) v += warp_acc[w][lane + 32 * i] * expf(warp_m[w] - top);
    o[lane + 32 * i] = float2half(v / total);
  }
}

}  // namespace

void pagedAttention(const float* q, const uint16_t* k_cache, const uint16_t* v_cache,
                    const int32_t* block_tables, int max_blocks, const int32_t* sequence_of,
                    const int32_t* positions, uint16_t* out, int rows, int heads, int kv_heads,
                    int head_dim, float scale, int window, cudaStream_t stream) {
  if (rows == 0) return;
  if (head_dim % 32 != 0 || head_dim > 32 * kMaxDimsPerLane || heads % kv_heads != 0) {
    throw Error(WHARF_ERR_UNSUPPORTED,
                "paged attention: head_dim must be a multiple of 32 up to 256, got " +
                    std::to_string(head_dim));
  }
  const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>(heads));
  pagedAttentionKernel<<<grid, 32 * kWarps, 0, stream>>>(q, k_cache, v_cache, block_tables,
                                                         max_blocks, sequence_of, positions, out,
                                                         heads, kv_heads, head_dim, scale, window);
  checkLaunch("pagedAttention");
}

}  // namespace wharf::engine::cuda

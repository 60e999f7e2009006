// The CUDA kernels of the llama-family runner, as host functions that launch on a stream. Device
// pointers; f16 values are IEEE half bits (uint16_t) so that host code needs no CUDA headers
// beyond the runtime API. Hidden states and projections are f32, GEMM inputs f16 (cuBLAS tensor
// cores), the KV cache f16 laid out like engine-cpu's: per layer [block][16 slots][kv_dim].
// Every kernel has a GPU test against a CPU reference (tests/unit/engine-cuda/gpu/).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace wharf::engine::cuda {

// out[r] = table[ids[r]] (f16 rows of width d) as f32.
void embedRows(const uint16_t* table, const int32_t* ids, float* out, int rows, int d,
               cudaStream_t stream);

// residual += delta (when delta is not null), then out = f16(residual / rms(residual) * weight).
// One block per row; the residual stays f32.
void addRmsNorm(float* residual, const float* delta, const float* weight, uint16_t* out, int rows,
                int d, float eps, cudaStream_t stream);

// Rotates the first 2 x pairs dims of each head of x ([rows][heads][head_dim], f32) by
// position x inv_freq[i] (the angle and its sine and cosine in double, as engine-cpu); neox pairs
// (i, i + pairs), else interleaved (2i, 2i + 1).
void applyRope(float* x, const int32_t* positions, const float* inv_freq, int rows, int heads,
               int head_dim, int pairs, bool neox, cudaStream_t stream);

// Writes rows of K and V (f32 [rows][kv_dim]) as f16 into the cache slots (slot = block x 16 +
// offset; slot -1 = a padding row, skipped). The caches point at one layer.
void storeKv(const float* k, const float* v, const int64_t* slots, uint16_t* k_cache,
             uint16_t* v_cache, int rows, int kv_dim, cudaStream_t stream);

// Causal attention of each row's query heads over its sequence's cached positions
// [max(0, position + 1 - window), position] (window 0: all), GQA (heads / kv_heads query heads
// per KV head), online softmax in f32 over the paged cache. q f32 [rows][heads][head_dim], out
// f16. head_dim a multiple of 32, at most 256.
void pagedAttention(const float* q, const uint16_t* k_cache, const uint16_t* v_cache,
                    const int32_t* block_tables, int max_blocks, const int32_t* sequence_of,
                    const int32_t* positions, uint16_t* out, int rows, int heads, int kv_heads,
                    int head_dim, float scale, int window, cudaStream_t stream);

// out = f16(silu(gate) x up), n values.
void siluMul(const float* gate, const float* up, uint16_t* out, int64_t n, cudaStream_t stream);

// x[r][i] += bias[i] for rows x n values (qwen2's q/k/v biases).
void addBias(float* x, const float* bias, int rows, int n, cudaStream_t stream);

// dst[i] = src[rows[i]], f16 rows of width d (the LM head's rows).
void gatherRows(const uint16_t* src, const int32_t* rows, uint16_t* dst, int count, int d,
                cudaStream_t stream);

// Greedy sampling on the device: the index of each row's largest logit (the lowest on ties) and
// its value.
void argmaxRows(const float* logits, int rows, int vocab, int32_t* ids, float* values,
                cudaStream_t stream);

}  // namespace wharf::engine::cuda

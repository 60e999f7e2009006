// Greedy sampling on the device: a block per row reduces (value, index) pairs, the lowest index
// winning ties, as the host sampler's argmax.
#include <cfloat>

#include "engine/cuda/kernels.hpp"
#include "launch.cuh"

namespace wharf::engine::cuda {

namespace {

constexpr int kThreads = 256;

__device__ inline bool better(float v, int i, float bv, int bi) {
  return v > bv || (v == bv && i < bi);
}

__global__ void argmaxKernel(const float* logits, int vocab, int32_t* ids, float* values) {
  const float* row = logits + static_cast<size_t>(blockIdx.x) * vocab;
  float best = -FLT_MAX;
  int index = vocab;
  for (int i = threadIdx.x; i < vocab; i += kThreads) {
    if (better(row[i], i, best, index)) {
      best = row[i];
      index = i;
    }
  }
  __shared__ float sv[kThreads];
  __shared__ int si[kThreads];
  sv[threadIdx.x] = best;
  si[threadIdx.x] = index;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      const int other = threadIdx.x + stride;
      if (better(sv[other], si[other], sv[threadIdx.x], si[threadIdx.x])) {
        sv[threadIdx.x] = sv[other];
        si[threadIdx.x] = si[other];
      }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    ids[blockIdx.x] = si[0] < vocab ? si[0] : 0;  // a row of NaN / -inf picks token 0
    if (values) values[blockIdx.x] = sv[0];
  }
}

}  // namespace

void argmaxRows(const float* logits, int rows, int vocab, int32_t* ids, float* values,
                cudaStream_t stream) {
  if (rows == 0) return;
  argmaxKernel<<<rows, kThreads, 0, stream>>>(logits, vocab, ids, values);
  checkLaunch("argmaxRows");
}

}  // namespace wharf::engine::cuda

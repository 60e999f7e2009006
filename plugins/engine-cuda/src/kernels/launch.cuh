// Shared by the kernel files: launch checks, warp and block reductions.
#pragma once

#include <cuda_fp16.h>

#include <string>

#include "engine/cuda/cuda_check.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {

inline void checkLaunch(const char* kernel) { check(cudaGetLastError(), kernel); }

__device__ inline float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ inline float half2float(uint16_t bits) { return __half2float(__ushort_as_half(bits)); }
__device__ inline uint16_t float2half(float v) { return __half_as_ushort(__float2half_rn(v)); }

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets it.
__device__ inline float blockSum(float v) {
  __shared__ float partial[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  v = warpSum(v);
  __syncthreads();  // partial[] may still be read from a previous call
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = lane < warps ? partial[lane] : 0.0f;
  return warpSum(v);
}

}  // namespace wharf::engine::cuda

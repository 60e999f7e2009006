// Embedding, RMSNorm with the residual add, SiLU-and-mul.
#include "engine/cuda/kernels.hpp"
#include "launch.cuh"

namespace wharf::engine::cuda {

namespace {

__global__ void embedKernel(const uint16_t* table, const int32_t* ids, float* out, int d) {
  const int r = blockIdx.x;
  const uint16_t* row = table + static_cast<size_t>(ids[r]) * d;
  for (int i = threadIdx.x; i < d; i += blockDim.x)
    out[static_cast<size_t>(r) * d + i] = half2float(row[i]);
}

__global__ void addRmsNormKernel(float* residual, const float* delta, const float* weight,
                                 uint16_t* out, int d, float eps) {
  const size_t base = static_cast<size_t>(blockIdx.x) * d;
  float ss = 0.0f;
  for (int i = threadIdx.x; i < d; i += blockDim.x) {
    float x = residual[base + i];
    if (delta) {
      x += delta[base + i];
      residual[base + i] = x;
    }
    ss += x * x;
  }
  const float scale = rsqrtf(blockSum(ss) / static_cast<float>(d) + eps);
  for (int i = threadIdx.x; i < d; i += blockDim.x)
    out[base + i] = float2half(residual[base + i] * scale * weight[i]);
}

__global__ void siluMulKernel(const float* gate, const float* up, uint16_t* out, int64_t n) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float g = gate[i];
  out[i] = float2half(g / (1.0f + expf(-g)) * up[i]);
}

}  // namespace

void embedRows(const uint16_t* table, const int32_t* ids, float* out, int rows, int d,
               cudaStream_t stream) {
  if (rows == 0) return;
  embedKernel<<<rows, 256, 0, stream>>>(table, ids, out, d);
  checkLaunch("embedRows");
}

void addRmsNorm(float* residual, const float* delta, const float* weight, uint16_t* out, int rows,
                int d, float eps, cudaStream_t stream) {
  if (rows == 0) return;
  addRmsNormKernel<<<rows, 256, 0, stream>>>(residual, delta, weight, out, d, eps);
  checkLaunch("addRmsNorm");
}

void siluMul(const float* gate, const float* up, uint16_t* out, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  const unsigned blocks = static_cast<unsigned>((n + 255) / 256);
  siluMulKernel<<<blocks, 256, 0, stream>>>(gate, up, out, n);
  checkLaunch("siluMul");
}

}  // namespace wharf::engine::cuda

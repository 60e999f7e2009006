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

__global__ void addBiasKernel(float* x, const float* bias, int64_t total, int n) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < total) x[i] += bias[i % n];
}

__global__ void gatherRowsKernel(const uint16_t* src, const int32_t* rows, uint16_t* dst, int d) {
  const uint16_t* from = src + static_cast<size_t>(rows[blockIdx.x]) * d;
  uint16_t* to = dst + static_cast<size_t>(blockIdx.x) * d;
  for (int i = threadIdx.x; i < d; i += blockDim.x) to[i] = from[i];
}

}  // namespace

void addBias(float* x, const float* bias, int rows, int n, cudaStream_t stream) {
  const int64_t total = static_cast<int64_t>(rows) * n;
  if (total == 0) return;
  addBiasKernel<<<static_cast<unsigned>((total + 255) / 256), 256, 0, stream>>>(x, bias, total, n);
  checkLaunch("addBias");
}

void gatherRows(const uint16_t* src, const int32_t* rows, uint16_t* dst, int count, int d,
                cudaStream_t stream) {
  if (count == 0) return;
  gatherRowsKernel<<<count, 256, 0, stream>>>(src, rows, dst, d);
  checkLaunch("gatherRows");
}

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

#include "engine/cuda/cuda_check.hpp"

#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  throw Error(WHARF_ERR_INTERNAL, std::string("CUDA error in ") + what + ": " +
                                      cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}

CudaProbe probeCudaDevices() {
  CudaProbe p;
  const cudaError_t status = cudaGetDeviceCount(&p.devices);
  if (status != cudaSuccess) {
    p.devices = 0;
    p.problem = std::string("no usable CUDA device (cudaGetDeviceCount: ") +
                cudaGetErrorName(status) + ": " + cudaGetErrorString(status) + ")";
    cudaGetLastError();  // clear the sticky error
  } else if (p.devices == 0) {
    p.problem = "no CUDA device";
  }
  return p;
}

}  // namespace wharf::engine::cuda

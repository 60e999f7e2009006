// CUDA runtime errors as DeviceError (INTERNAL, "CUDA error in <what>: <name>: <text>"), and the
// device probe engine-cuda's create() and the GPU tests start with. The CUDA runtime is linked
// statically and opens the driver (libcuda.so.1) on first use, so the plugin loads on a machine
// without a driver or a device; probeCudaDevices() then says which is missing.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {

// What check() and the cuBLAS/NCCL checks throw: the device failed (INTERNAL). A runner that sees
// one during a step reports it as its fault() (the engine then turns unhealthy).
class DeviceError : public Error {
 public:
  explicit DeviceError(const std::string& message) : Error(WHARF_ERR_INTERNAL, message) {}
};

void check(cudaError_t status, const char* what);

struct CudaProbe {
  int devices = 0;
  std::string problem;  // why there is no usable device ("" when devices > 0)
};
CudaProbe probeCudaDevices();

}  // namespace wharf::engine::cuda

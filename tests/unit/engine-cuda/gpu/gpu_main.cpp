// The GPU tests' main: without a CUDA device they report a skip (exit 77, ctest's
// SKIP_RETURN_CODE), never a pass.
#include <gtest/gtest.h>

#include <cstdio>

#include "engine/cuda/cuda_check.hpp"

int main(int argc, char** argv) {
  const wharf::engine::cuda::CudaProbe probe = wharf::engine::cuda::probeCudaDevices();
  if (probe.devices == 0) {
    std::printf("skipped: no CUDA device (%s)\n", probe.problem.c_str());
    return 77;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
    std::printf("device 0: %s, compute capability %d.%d\n", prop.name, prop.major, prop.minor);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

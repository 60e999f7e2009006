#include "cuda_engine.hpp"

#include <cstdlib>
#include <string>

#include "engine/cuda/cuda_check.hpp"

namespace wharf::engine_cuda {

namespace {

double utilization(const Config& config) {
  const std::string text = config.str("gpu_memory_utilization");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0.0 && v <= 1.0)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "key 'gpu_memory_utilization' must be a number in (0, 1], got '" + text + "'");
  }
  return v;
}

}  // namespace

CudaEngine::CudaEngine(const Config& config, const Host& host) {
  (void)host;
  config.required("model");
  utilization(config);
  const size_t device = nonNegative(config, "device");
  positive(config, "tensor_parallel_size");
  const engine::cuda::CudaProbe probe = engine::cuda::probeCudaDevices();
  if (probe.devices == 0) {
    throw Error(WHARF_ERR_UNAVAILABLE,
                "engine-cuda: " + probe.problem + "; serve the model with engine-cpu here");
  }
  if (device >= static_cast<size_t>(probe.devices)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "engine-cuda: device " + std::to_string(device) +
                                                " does not exist (" +
                                                std::to_string(probe.devices) + " CUDA devices)");
  }
  throw Error(WHARF_ERR_UNSUPPORTED,
              "engine-cuda: " + std::to_string(probe.devices) +
                  " CUDA device(s) found, but the CUDA model runner is not in this build yet; "
                  "serve the model with engine-cpu");
}

}  // namespace wharf::engine_cuda

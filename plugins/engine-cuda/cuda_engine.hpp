// The engine-cuda plugin instance: the shared engine core over the CUDA llama runner on one
// device, its KV cache sized from what the device has left (gpu_memory_utilization). On a
// machine without a driver or a device, create() stops with a message that says which.
#pragma once

#include <memory>

#include "engine/sched/hosted_engine.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/host.hpp"

namespace wharf::engine_cuda {

class CudaEngine : public engine::HostedEngine {
 public:
  CudaEngine(const Config& config, const Host& host);

 private:
  std::shared_ptr<const void> model_;  // the mapped GGUF file or HF checkpoint
};

}  // namespace wharf::engine_cuda

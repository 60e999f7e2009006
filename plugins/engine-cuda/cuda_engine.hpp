// The engine-cuda plugin instance. Today it checks the machine (a CUDA driver and device) and the
// keys, and stops with a message that says what is missing; the CUDA model runner that serves
// through the shared engine core is not in this build yet (README.md).
#pragma once

#include "engine/sched/hosted_engine.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/host.hpp"

namespace wharf::engine_cuda {

class CudaEngine : public engine::HostedEngine {
 public:
  CudaEngine(const Config& config, const Host& host);
};

}  // namespace wharf::engine_cuda

// The engine-cpu plugin instance: the shared engine core over the CPU llama runner, behind the
// SDK's wharf::Engine.
#pragma once

#include <memory>
#include <string>

#include "engine/model/gguf.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/sched/hosted_engine.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/engine.hpp"
#include "wharf/cpp/host.hpp"

namespace wharf::engine_cpu {

class CpuEngine : public engine::HostedEngine {
 public:
  CpuEngine(const Config& config, const Host& host);

  // `wharfd quantize ...` (engine/cpu/quantize/model_quantizer.hpp) over this instance's model
  // (a GGUF one through an F16 Hugging Face copy), with the quant backend of the `quantization` key
  // whose method matches (rtn: awq's).
  bool runCommand(const std::string& command, const std::vector<std::string>& args,
                  const std::function<void(const std::string&)>& out) override;

 private:
  Host host_;  // a copy: the one the constructor gets lives for the call only
  std::string path_;
  int threads_ = 0;
  std::vector<std::string> quant_backends_;  // the `quantization` key's instance names
  std::shared_ptr<const engine::HfCheckpoint> checkpoint_;  // a Hugging Face model, or
  std::shared_ptr<const engine::GgufFile> gguf_;            // a GGUF one
};

}  // namespace wharf::engine_cpu

// The engine-cpu plugin instance: the shared engine core over the CPU llama runner, behind the
// SDK's wharf::Engine.
#pragma once

#include <memory>
#include <string>

#include "engine/model/hf_checkpoint.hpp"
#include "engine/sched/inference_engine.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/engine.hpp"
#include "wharf/cpp/host.hpp"

namespace wharf::engine_cpu {

class CpuEngine : public Engine {
 public:
  CpuEngine(const Config& config, const Host& host);

  std::string modelInfo() override { return engine_->modelInfo(); }
  std::vector<int32_t> tokenize(std::string_view text, bool add_special_tokens) override {
    return engine_->tokenize(text, add_special_tokens);
  }
  std::string detokenize(const std::vector<int32_t>& tokens, bool skip_special_tokens) override {
    return engine_->detokenize(tokens, skip_special_tokens);
  }
  std::string applyChatTemplate(const std::string& messages_json,
                                bool add_generation_prompt) override {
    return engine_->applyChatTemplate(messages_json, add_generation_prompt);
  }
  uint64_t submit(const wharf_generation_request& req) override { return engine_->submit(req); }
  void cancel(uint64_t request_id) override { engine_->cancel(request_id); }
  std::string stats() override { return engine_->stats(); }
  // `wharfd quantize ...` (engine/cpu/quantize/model_quantizer.hpp) over this instance's model,
  // with the quant backend of the `quantization` key whose method matches (rtn: awq's).
  bool runCommand(const std::string& command, const std::vector<std::string>& args,
                  const std::function<void(const std::string&)>& out) override;

 private:
  std::unique_ptr<engine::InferenceEngine> engine_;
  Host host_;  // a copy: the one the constructor gets lives for the call only
  std::string path_;
  int threads_ = 0;
  std::vector<std::string> quant_backends_;  // the `quantization` key's instance names
  std::shared_ptr<const engine::HfCheckpoint> checkpoint_;
};

}  // namespace wharf::engine_cpu

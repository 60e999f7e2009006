// inference-api: the OpenAI-compatible HTTP API (vLLM's routes and fields) over an engine
// instance: /v1/models, /v1/completions, /v1/chat/completions (with SSE streaming), /tokenize,
// /detokenize, /version, and /admin/engine on the admin listener.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_metrics.hpp"
#include "request.hpp"
#include "responses.hpp"
#include "wharf/wharf.hpp"

namespace wharf::inference {

class InferenceService : public HttpService {
 public:
  InferenceService(const Config& config, const Host& host);
  ~InferenceService() override;
  std::vector<std::string> routes() override;
  void handle(Exchange& ex) override;
  void handleException(Exchange& ex, const std::exception& e) override;

 private:
  void models(Exchange& ex);
  void generate(Exchange& ex, bool chat);
  void tokenize(Exchange& ex);
  void detokenize(Exchange& ex);
  void engineStats(Exchange& ex);

  std::string readBody(Exchange& ex);
  void checkModel(const std::string& model) const;
  void checkApiKey(Exchange& ex) const;
  // Prompts as token ids, validated against the context; fills `max_tokens`.
  std::vector<std::vector<int32_t>> preparePrompts(GenerationRequest& req,
                                                   std::vector<std::string>& echo_texts,
                                                   int& max_tokens);
  void respondWhole(Exchange& ex, const GenerationRequest& req, Generation& gen,
                    const ResponseWriter& out, const std::vector<std::string>& echo_texts,
                    const std::vector<std::vector<int32_t>>& prompts);
  void respondStream(Exchange& ex, const GenerationRequest& req, Generation& gen,
                     const ResponseWriter& out, const std::vector<std::string>& echo_texts,
                     const std::vector<std::vector<int32_t>>& prompts);
  std::string tokenText(int32_t token) const;

  Host host_;
  EngineClient engine_;
  std::string served_name_;
  std::string engine_model_;
  int64_t max_model_len_ = 0;
  std::string quantization_;     // the engine's quant method, "" when its weights are not quantized
  bool prompt_scoring_ = false;  // the engine scores prompts (echo + logprobs, prompt_logprobs)
  size_t max_request_bytes_;
  std::string api_key_;
  bool admin_routes_;
  std::unique_ptr<ApiMetrics> metrics_;
  // Copies the engine's scheduler state into the vllm: gauges once a second.
  std::mutex stats_mutex_;
  std::condition_variable stats_cv_;
  bool stopping_ = false;
  std::thread stats_thread_;
};

}  // namespace wharf::inference

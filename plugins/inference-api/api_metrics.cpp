#include "api_metrics.hpp"

namespace wharf::inference {

ApiMetrics::ApiMetrics(const Host& host, const std::string& model) : host_(host), model_(model) {
  const char* m = model_.c_str();
  prompt_tokens_ = host.counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.",
                                {"model_name"})
                       .with({m});
  generation_tokens_ = host.counter("vllm:generation_tokens_total",
                                    "Number of generation tokens processed.", {"model_name"})
                           .with({m});
  success_ = host.counter("vllm:request_success_total", "Count of successfully processed requests.",
                          {"model_name", "finished_reason"});
  ttft_ = host.histogram("vllm:time_to_first_token_seconds",
                         "Histogram of time to first token in seconds.", {"model_name"},
                         {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
                          2.5, 5.0, 7.5, 10.0})
              .with({m});
  tpot_ = host.histogram("vllm:time_per_output_token_seconds",
                         "Histogram of time per output token in seconds.", {"model_name"},
                         {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5})
              .with({m});
  e2e_ = host.histogram(
                 "vllm:e2e_request_latency_seconds",
                 "Histogram of end to end request latency in seconds.", {"model_name"},
                 {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0})
             .with({m});
  prompt_len_ =
      host.histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.",
                     {"model_name"}, {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000})
          .with({m});
  gen_len_ =
      host.histogram("vllm:request_generation_tokens", "Number of generation tokens processed.",
                     {"model_name"}, {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000})
          .with({m});
}

void ApiMetrics::finished(const std::string& reason, uint32_t prompt_tokens,
                          uint32_t generation_tokens, double ttft_s, double e2e_s) {
  prompt_tokens_.add(prompt_tokens);
  generation_tokens_.add(generation_tokens);
  success_.with({model_.c_str(), reason.c_str()}).add(1);
  if (ttft_s >= 0) ttft_.observe(ttft_s);
  if (generation_tokens > 1 && ttft_s >= 0)
    tpot_.observe((e2e_s - ttft_s) / (generation_tokens - 1));
  e2e_.observe(e2e_s);
  prompt_len_.observe(prompt_tokens);
  gen_len_.observe(generation_tokens);
}

}  // namespace wharf::inference

#include "api_metrics.hpp"

#include <nlohmann/json.hpp>

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
  running_ = host.gauge("vllm:num_requests_running", "Number of requests currently running.",
                        {"model_name"})
                 .with({m});
  waiting_ = host.gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.",
                        {"model_name"})
                 .with({m});
  kv_usage_ = host.gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
                         {"model_name"})
                  .with({m});
  gpu_cache_usage_ =
      host.gauge("vllm:gpu_cache_usage_perc",
                 "KV-cache usage (older name). 1 means 100 percent usage.", {"model_name"})
          .with({m});
  prefix_hit_rate_ = host.gauge("vllm:gpu_prefix_cache_hit_rate",
                                "Prefix cache hit rate of prompt tokens.", {"model_name"})
                         .with({m});
  preemptions_ = host.counter("vllm:num_preemptions_total",
                              "Cumulative number of preemptions from the engine.", {"model_name"})
                     .with({m});
}

void ApiMetrics::refresh(const std::string& stats_json) {
  try {
    const auto o = nlohmann::json::parse(stats_json);
    running_.set(o.value("num_requests_running", 0.0));
    waiting_.set(o.value("num_requests_waiting", 0.0));
    double usage = o.value("kv_cache_usage", 0.0);
    kv_usage_.set(usage);
    gpu_cache_usage_.set(usage);
    prefix_hit_rate_.set(o.value("prefix_cache_hit_rate", 0.0));
    double pre = o.value("num_preemptions_total", 0.0);
    if (pre > preemptions_seen_) preemptions_.add(pre - preemptions_seen_);
    preemptions_seen_ = pre;
  } catch (const std::exception& e) {
    host_.warning(std::string("engine stats unreadable: ") + e.what());
  }
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

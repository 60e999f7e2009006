// Request-level metrics with vLLM's names and the model_name label, so existing dashboards work:
// prompt/generation token counters, request_success_total by finished_reason, TTFT, TPOT, e2e
// latency, queue time, prompt and generation length histograms. (The engine reports the
// scheduler's gauges: num_requests_running/waiting, kv_cache_usage_perc, preemptions.)
#pragma once

#include <string>

#include "wharf/cpp/host.hpp"

namespace wharf::inference {

class ApiMetrics {
 public:
  ApiMetrics(const Host& host, const std::string& model);
  void finished(const std::string& reason, uint32_t prompt_tokens, uint32_t generation_tokens,
                double ttft_s, double e2e_s);
  // Updates the scheduler gauges from the engine's stats JSON (see wharf_engine_v1::stats).
  void refresh(const std::string& engine_stats_json);

 private:
  const Host& host_;
  std::string model_;
  Metric prompt_tokens_, generation_tokens_, ttft_, tpot_, e2e_, prompt_len_, gen_len_;
  MetricFamily success_;
  Metric running_, waiting_, kv_usage_, gpu_cache_usage_, prefix_hit_rate_, preemptions_;
  double preemptions_seen_ = 0;
};

}  // namespace wharf::inference

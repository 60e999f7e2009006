// Per-listener HTTP metrics: requests by method/route/code, a latency histogram by route, and the
// requests in flight.
#pragma once

#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "metrics/metrics_hub.hpp"

namespace wharf::host {

class HttpMetrics {
 public:
  HttpMetrics(MetricsHub& hub, std::string listener);
  void started();
  void finished(const std::string& method, const std::string& route, int code, double seconds);

 private:
  wharf_metric* child(wharf_metric_family* family,
                      std::unordered_map<std::string, wharf_metric*>& cache, const std::string& key,
                      const std::vector<std::string>& labels);
  MetricsHub& hub_;
  std::string listener_;
  wharf_metric_family* requests_;
  wharf_metric_family* duration_;
  wharf_metric* in_flight_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, wharf_metric*> request_cache_, duration_cache_;
};

}  // namespace wharf::host

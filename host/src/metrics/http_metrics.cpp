#include "metrics/http_metrics.hpp"

#include <mutex>

namespace wharf::host {

namespace {
const std::string& methodLabel(const std::string& m) {
  static const std::string known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  static const std::string other = "OTHER";
  for (auto& k : known)
    if (k == m) return k;
  return other;
}
}  // namespace

HttpMetrics::HttpMetrics(MetricsHub& hub, std::string listener)
    : hub_(hub), listener_(std::move(listener)) {
  requests_ = hub_.family(WHARF_METRIC_COUNTER, "wharf_http_requests_total",
                          "HTTP requests answered.", {"listener", "method", "route", "code"}, {});
  duration_ = hub_.family(
      WHARF_METRIC_HISTOGRAM, "wharf_http_request_duration_seconds",
      "Time from the request head to the end of the response.", {"listener", "route"},
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
  auto* inflight = hub_.family(WHARF_METRIC_GAUGE, "wharf_http_requests_in_flight",
                               "HTTP requests being answered.", {"listener"}, {});
  in_flight_ = hub_.metric(inflight, {listener_});
}

wharf_metric* HttpMetrics::child(wharf_metric_family* family,
                                 std::unordered_map<std::string, wharf_metric*>& cache,
                                 const std::string& key, const std::vector<std::string>& labels) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  wharf_metric* m = hub_.metric(family, labels);
  std::unique_lock lock(mutex_);
  cache.emplace(key, m);
  return m;
}

void HttpMetrics::started() { MetricsHub::add(in_flight_, 1); }

void HttpMetrics::finished(const std::string& method, const std::string& route, int code,
                           double seconds) {
  MetricsHub::add(in_flight_, -1);
  const std::string& m = methodLabel(method);
  std::string code_s = std::to_string(code);
  MetricsHub::add(child(requests_, request_cache_, m + ' ' + route + ' ' + code_s,
                        {listener_, m, route, code_s}),
                  1);
  MetricsHub::observe(child(duration_, duration_cache_, route, {listener_, route}), seconds);
}

}  // namespace wharf::host

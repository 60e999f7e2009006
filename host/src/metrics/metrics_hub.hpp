// The host's Prometheus registry (prometheus-cpp), the metric functions of wharf_host_api that
// give plugins access to it, process metrics, and the text exposition for /metrics.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wharf/plugin.h"

namespace wharf::host {

class MetricsHub {
 public:
  MetricsHub();
  ~MetricsHub();

  prometheus::Registry& registry() { return *registry_; }

  // Implementation of wharf_host_api::metric_family / metric. Return nullptr on bad input.
  wharf_metric_family* family(wharf_metric_type type, const std::string& name,
                              const std::string& help, const std::vector<std::string>& label_names,
                              const std::vector<double>& buckets);
  wharf_metric* metric(wharf_metric_family* family, const std::vector<std::string>& label_values);

  static void add(wharf_metric* m, double v);
  static void set(wharf_metric* m, double v);
  static void observe(wharf_metric* m, double v);

  // Prometheus text format 0.0.4 of every family plus the process metrics.
  std::string expose() const;

 private:
  struct Family;
  struct Metric;
  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

}  // namespace wharf::host

#include "metrics/metrics_hub.hpp"

#include <prometheus/text_serializer.h>

#include "metrics/process_metrics.hpp"

namespace wharf::host {

struct MetricsHub::Metric {
  wharf_metric_type type;
  prometheus::Counter* counter = nullptr;
  prometheus::Gauge* gauge = nullptr;
  prometheus::Histogram* histogram = nullptr;
};

struct MetricsHub::Family {
  wharf_metric_type type;
  std::vector<std::string> label_names;
  std::vector<double> buckets;
  prometheus::Family<prometheus::Counter>* counters = nullptr;
  prometheus::Family<prometheus::Gauge>* gauges = nullptr;
  prometheus::Family<prometheus::Histogram>* histograms = nullptr;
  std::mutex mutex;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children;
};

MetricsHub::MetricsHub() : registry_(std::make_shared<prometheus::Registry>()) {}
MetricsHub::~MetricsHub() = default;

wharf_metric_family* MetricsHub::family(wharf_metric_type type, const std::string& name,
                                        const std::string& help,
                                        const std::vector<std::string>& label_names,
                                        const std::vector<double>& buckets) {
  std::lock_guard lock(mutex_);
  if (auto it = families_.find(name); it != families_.end()) {
    Family* f = it->second.get();
    if (f->type != type || f->label_names != label_names) return nullptr;
    return reinterpret_cast<wharf_metric_family*>(f);
  }
  auto f = std::make_unique<Family>();
  f->type = type;
  f->label_names = label_names;
  f->buckets = buckets.empty()
                   ? std::vector<double>{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
                   : buckets;
  try {
    switch (type) {
      case WHARF_METRIC_COUNTER:
        f->counters = &prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
        break;
      case WHARF_METRIC_GAUGE:
        f->gauges = &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
        break;
      case WHARF_METRIC_HISTOGRAM:
        f->histograms = &prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
        break;
      default:
        return nullptr;
    }
  } catch (const std::exception&) {
    return nullptr;  // invalid name, or registered under another type
  }
  auto* raw = f.get();
  families_[name] = std::move(f);
  return reinterpret_cast<wharf_metric_family*>(raw);
}

wharf_metric* MetricsHub::metric(wharf_metric_family* handle,
                                 const std::vector<std::string>& values) {
  auto* f = reinterpret_cast<Family*>(handle);
  if (!f || values.size() != f->label_names.size()) return nullptr;
  std::lock_guard lock(f->mutex);
  if (auto it = f->children.find(values); it != f->children.end())
    return reinterpret_cast<wharf_metric*>(it->second.get());
  std::map<std::string, std::string> labels;
  for (size_t i = 0; i < values.size(); ++i) labels[f->label_names[i]] = values[i];
  auto m = std::make_unique<Metric>();
  m->type = f->type;
  try {
    if (f->counters) m->counter = &f->counters->Add(labels);
    if (f->gauges) m->gauge = &f->gauges->Add(labels);
    if (f->histograms)
      m->histogram =
          &f->histograms->Add(labels, prometheus::Histogram::BucketBoundaries(f->buckets));
  } catch (const std::exception&) {
    return nullptr;  // invalid label name
  }
  auto* raw = m.get();
  f->children[values] = std::move(m);
  return reinterpret_cast<wharf_metric*>(raw);
}

void MetricsHub::add(wharf_metric* handle, double v) {
  auto* m = reinterpret_cast<Metric*>(handle);
  if (!m) return;
  if (m->counter && v >= 0) m->counter->Increment(v);
  if (m->gauge) m->gauge->Increment(v);
}

void MetricsHub::set(wharf_metric* handle, double v) {
  auto* m = reinterpret_cast<Metric*>(handle);
  if (m && m->gauge) m->gauge->Set(v);
}

void MetricsHub::observe(wharf_metric* handle, double v) {
  auto* m = reinterpret_cast<Metric*>(handle);
  if (m && m->histogram) m->histogram->Observe(v);
}

std::string MetricsHub::expose() const {
  auto families = registry_->Collect();
  auto process = collectProcessMetrics();
  families.insert(families.end(), process.begin(), process.end());
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace wharf::host

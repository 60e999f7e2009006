// Plugin-side wrapper of wharf_host_api: logging, metrics and instance lookup.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

#include "wharf/cpp/error.hpp"
#include "wharf/plugin.h"

namespace wharf {

// One labelled child of a metric family; cheap to copy, valid for the process lifetime.
class Metric {
 public:
  Metric() = default;
  Metric(const wharf_host_api* api, wharf_metric* m) : api_(api), m_(m) {}
  void add(double v = 1) const {
    if (m_) api_->metric_add(m_, v);
  }
  void set(double v) const {
    if (m_) api_->metric_set(m_, v);
  }
  void observe(double v) const {
    if (m_) api_->metric_observe(m_, v);
  }
  explicit operator bool() const { return m_ != nullptr; }

 private:
  const wharf_host_api* api_ = nullptr;
  wharf_metric* m_ = nullptr;
};

class MetricFamily {
 public:
  MetricFamily() = default;
  MetricFamily(const wharf_host_api* api, wharf_metric_family* f, size_t labels)
      : api_(api), f_(f), labels_(labels) {}
  Metric with(std::initializer_list<const char*> values) const {
    if (!f_ || values.size() != labels_) return {};
    std::vector<const char*> v(values);
    return Metric(api_, api_->metric(api_->ctx, f_, v.data(), v.size()));
  }
  Metric with(const std::vector<std::string>& values) const {
    if (!f_ || values.size() != labels_) return {};
    std::vector<const char*> v;
    for (auto& s : values) v.push_back(s.c_str());
    return Metric(api_, api_->metric(api_->ctx, f_, v.data(), v.size()));
  }
  explicit operator bool() const { return f_ != nullptr; }

 private:
  const wharf_host_api* api_ = nullptr;
  wharf_metric_family* f_ = nullptr;
  size_t labels_ = 0;
};

class Host {
 public:
  Host(const wharf_host_api* api, std::string component)
      : api_(api), component_(std::move(component)) {}

  const wharf_host_api* api() const { return api_; }
  const std::string& component() const { return component_; }

  void log(wharf_log_level level, const std::string& message) const {
    if (api_ && api_->log) api_->log(api_->ctx, component_.c_str(), level, message.c_str());
  }
  bool logEnabled(wharf_log_level level) const {
    return api_ && api_->log_enabled && api_->log_enabled(api_->ctx, component_.c_str(), level);
  }
  void debug(const std::string& m) const { log(WHARF_LOG_DEBUG, m); }
  void info(const std::string& m) const { log(WHARF_LOG_INFO, m); }
  void warning(const std::string& m) const { log(WHARF_LOG_WARNING, m); }
  void error(const std::string& m) const { log(WHARF_LOG_ERROR, m); }

  MetricFamily family(wharf_metric_type type, const std::string& name, const std::string& help,
                      std::initializer_list<const char*> labels = {},
                      std::initializer_list<double> buckets = {}) const {
    std::vector<const char*> l(labels);
    std::vector<double> b(buckets);
    auto* f = api_->metric_family(api_->ctx, type, name.c_str(), help.c_str(), l.data(), l.size(),
                                  b.empty() ? nullptr : b.data(), b.size());
    return MetricFamily(api_, f, l.size());
  }
  MetricFamily counter(const std::string& name, const std::string& help,
                       std::initializer_list<const char*> labels = {}) const {
    return family(WHARF_METRIC_COUNTER, name, help, labels);
  }
  MetricFamily gauge(const std::string& name, const std::string& help,
                     std::initializer_list<const char*> labels = {}) const {
    return family(WHARF_METRIC_GAUGE, name, help, labels);
  }
  MetricFamily histogram(const std::string& name, const std::string& help,
                         std::initializer_list<const char*> labels,
                         std::initializer_list<double> buckets = {}) const {
    return family(WHARF_METRIC_HISTOGRAM, name, help, labels, buckets);
  }

  // Finds instance `name` of `kind`: returns its table and handle; throws wharf::Error.
  std::pair<const void*, void*> lookup(const std::string& name, wharf_plugin_kind kind) const {
    const void* table = nullptr;
    void* instance = nullptr;
    wharf_error* err = nullptr;
    check(api_->lookup(api_->ctx, name.c_str(), kind, &table, &instance, &err), err,
          ("instance '" + name + "'").c_str());
    return {table, instance};
  }

  bool draining() const { return api_->draining && api_->draining(api_->ctx); }
  // The drain deadline has passed: end in-flight work now (a host older than ABI 1.1 never says
  // so).
  bool stopping() const {
    return api_->struct_size >= offsetof(wharf_host_api, stopping) + sizeof(api_->stopping) &&
           api_->stopping && api_->stopping(api_->ctx);
  }

 private:
  const wharf_host_api* api_;
  std::string component_;
};

}  // namespace wharf

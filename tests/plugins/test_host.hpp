// TestHost: a wharf_host_api for plugin tests. Logs go to stderr (and are kept), metrics are
// recorded so tests can assert on them, lookup() answers from instances the test registers, and
// the http table is a zeroed static one (non-null, as the ABI promises).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "wharf/plugin.h"

namespace wharf::test {

class TestHost {
 public:
  TestHost();
  ~TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  const wharf_host_api* api() const { return &api_; }

  // Makes `instance` (with its kind table) visible to plugins through lookup().
  void addInstance(const std::string& name, wharf_plugin_kind kind, const void* table,
                   void* instance);
  void removeInstance(const std::string& name);

  // The recorded value of metric `name` with `labels` (all of its labels): counter/gauge value,
  // histogram sum. nullopt when the family or the child was never created.
  std::optional<double> metric(const std::string& name,
                               const std::map<std::string, std::string>& labels = {}) const;
  // Like metric() but 0 when absent.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const;
  // Number of observations of a histogram child (0 when absent).
  uint64_t observations(const std::string& name,
                        const std::map<std::string, std::string>& labels = {}) const;
  // Lines logged so far, formatted "<level> <component>: <message>".
  std::vector<std::string> logs() const;

  void setDraining(bool on) { draining_ = on; }
  // wharf_host_api.stopping: the drain deadline has passed.
  void setStopping(bool on) { stopping_ = on; }
  // Messages below `level` are neither printed nor kept (default: debug).
  void setLogLevel(wharf_log_level level) { log_level_ = level; }

 private:
  struct Child;
  struct Family;
  struct Instance {
    wharf_plugin_kind kind;
    const void* table;
    void* instance;
  };

  static void logFn(void* ctx, const char* component, wharf_log_level level, const char* message);
  static int logEnabledFn(void* ctx, const char* component, wharf_log_level level);
  static wharf_metric_family* familyFn(void* ctx, wharf_metric_type type, const char* name,
                                       const char* help, const char* const* label_names,
                                       size_t label_count, const double* buckets,
                                       size_t bucket_count);
  static wharf_metric* metricFn(void* ctx, wharf_metric_family* family,
                                const char* const* label_values, size_t label_count);
  static void addFn(wharf_metric* m, double v);
  static void setFn(wharf_metric* m, double v);
  static void observeFn(wharf_metric* m, double v);
  static wharf_status lookupFn(void* ctx, const char* name, wharf_plugin_kind kind,
                               const void** table, void** instance, wharf_error** err);
  static wharf_error* errorNewFn(void* ctx, wharf_status code, const char* message);
  static int drainingFn(void* ctx);
  static int stoppingFn(void* ctx);

  const Child* findChild(const std::string& name,
                         const std::map<std::string, std::string>& labels) const;

  wharf_host_api api_{};
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
  std::map<std::string, Instance> instances_;
  std::vector<std::string> logs_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> log_level_{WHARF_LOG_DEBUG};
};

}  // namespace wharf::test

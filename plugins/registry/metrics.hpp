// The registry's Prometheus metrics, under distribution's names where it has them
// (registry_http_*, registry_storage_action_seconds) and wharf_registry_* otherwise.
#pragma once

#include <initializer_list>
#include <string>

#include "wharf/cpp/host.hpp"

namespace wharf::registry {

class RegistryMetrics {
 public:
  explicit RegistryMetrics(const Host& host);

  void requestStarted(const char* handler);
  void requestFinished(const char* handler, const std::string& method, int code, double seconds);
  void storageAction(const std::string& driver, const char* action, double seconds);
  void bytesPushed(uint64_t n) { pushed_.add(static_cast<double>(n)); }
  void bytesPulled(uint64_t n) { pulled_.add(static_cast<double>(n)); }
  void uploadStarted() { uploads_.add(1); }
  void uploadEnded() { uploads_.add(-1); }
  void gcRun(uint64_t blobs_deleted, uint64_t bytes_freed, double seconds);

 private:
  // The labelled child of `family`, cached per thread (the host's lookup takes a lock).
  Metric child(const MetricFamily& family, int slot, std::initializer_list<const char*> labels);

  MetricFamily requests_, duration_, in_flight_, storage_, gc_blobs_, gc_bytes_, gc_seconds_;
  Metric pushed_, pulled_, uploads_;
};

}  // namespace wharf::registry

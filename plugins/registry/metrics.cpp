#include "metrics.hpp"

#include <unordered_map>

namespace wharf::registry {

RegistryMetrics::RegistryMetrics(const Host& host) {
  requests_ = host.counter("registry_http_requests_total", "Total number of HTTP requests made.",
                           {"code", "handler", "method"});
  duration_ = host.histogram("registry_http_request_duration_seconds",
                             "The HTTP request latencies in seconds.", {"handler", "method"},
                             {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                              2.5, 5, 10, 30, 60, 300});
  in_flight_ =
      host.gauge("registry_http_in_flight_requests", "The in-flight HTTP requests.", {"handler"});
  storage_ =
      host.histogram("registry_storage_action_seconds",
                     "The number of seconds that the storage action takes.", {"driver", "action"},
                     {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                      0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  pushed_ =
      host.counter("wharf_registry_bytes_pushed_total", "Blob bytes received by uploads.").with({});
  pulled_ =
      host.counter("wharf_registry_bytes_pulled_total", "Blob bytes sent to clients.").with({});
  uploads_ = host.gauge("wharf_registry_uploads_in_progress",
                        "Upload requests (POST/PATCH/PUT bodies) being received.")
                 .with({});
  gc_blobs_ = host.counter("wharf_registry_gc_blobs_deleted_total", "Blobs deleted by GC.");
  gc_bytes_ = host.counter("wharf_registry_gc_bytes_freed_total", "Blob bytes freed by GC.");
  gc_seconds_ = host.histogram("wharf_registry_gc_duration_seconds", "Duration of GC runs.", {},
                               {0.01, 0.1, 1, 10, 60, 600});
}

void RegistryMetrics::requestStarted(const char* handler) { in_flight_.with({handler}).add(1); }

void RegistryMetrics::requestFinished(const char* handler, const std::string& method, int code,
                                      double seconds) {
  in_flight_.with({handler}).add(-1);
  std::string c = std::to_string(code);
  requests_.with({c.c_str(), handler, method.c_str()}).add(1);
  duration_.with({handler, method.c_str()}).observe(seconds);
}

void RegistryMetrics::storageAction(const std::string& driver, const char* action, double seconds) {
  storage_.with({driver.c_str(), action}).observe(seconds);
}

void RegistryMetrics::gcRun(uint64_t blobs_deleted, uint64_t bytes_freed, double seconds) {
  gc_blobs_.with({}).add(static_cast<double>(blobs_deleted));
  gc_bytes_.with({}).add(static_cast<double>(bytes_freed));
  gc_seconds_.with({}).observe(seconds);
}

}  // namespace wharf::registry

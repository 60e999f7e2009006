// The wharf_host_api handed to every plugin: logging through Poco loggers, metrics through the
// host's registry, instance lookup, owned errors, the HTTP exchange table and the drain and stop
// flags.
#pragma once

#include <atomic>

#include "metrics/metrics_hub.hpp"
#include "plugins/instance_manager.hpp"
#include "wharf/plugin.h"

namespace wharf::host {

class HostApi {
 public:
  HostApi(MetricsHub& metrics, const std::atomic<bool>& draining,
          const std::atomic<bool>& stopping);
  void setInstances(const InstanceManager* instances) { instances_ = instances; }
  const wharf_host_api* api() const { return &api_; }

 private:
  static HostApi* self(void* ctx) { return static_cast<HostApi*>(ctx); }
  MetricsHub& metrics_;
  const std::atomic<bool>& draining_;
  const std::atomic<bool>& stopping_;
  const InstanceManager* instances_ = nullptr;
  wharf_host_api api_{};
};

}  // namespace wharf::host

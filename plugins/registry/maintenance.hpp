// Maintenance: a background thread that purges stale uploads every upload_purge_interval and
// runs online GC every gc_interval, until the registry is destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "registry_context.hpp"

namespace wharf::registry {

class Maintenance {
 public:
  explicit Maintenance(RegistryContext& ctx);
  ~Maintenance();

  // One online GC pass now (also used by tests through the schedule).
  void runGc();
  void purgeUploads();

 private:
  void loop();

  RegistryContext& ctx_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wharf::registry

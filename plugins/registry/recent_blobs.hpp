// RecentBlobs: when each blob was last committed, mounted or referenced by a manifest check, so
// that online GC spares blobs that a push in progress is about to reference (the window between
// a blob upload and its manifest PUT), in addition to the age grace period.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wharf::registry {

class RecentBlobs {
 public:
  explicit RecentBlobs(std::chrono::seconds keep) : keep_(keep) {}
  void touch(const std::string& digest);
  // True when `digest` was touched within the keep period.
  bool recent(const std::string& digest) const;
  void prune();

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::seconds keep_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> seen_;
  size_t prune_at_ = 4096;
};

}  // namespace wharf::registry

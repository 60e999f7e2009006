// RecentBlobs: when each blob was last committed, mounted or referenced by a manifest check, so
// that online GC spares blobs that a push in progress is about to reference (the window between
// a blob upload and its manifest PUT), in addition to the age grace period. Bounded: digests that
// turn out to name no blob are forgotten, and past kMaxEntries the expired entries, then arbitrary
// ones, go (the age grace still protects fresh blobs).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wharf::registry {

class RecentBlobs {
 public:
  explicit RecentBlobs(std::chrono::seconds keep) : keep_(keep) {}
  static constexpr size_t kMaxEntries = 1u << 18;

  void touch(const std::string& digest);
  // Drops `digest` (a manifest named a blob that does not exist: nothing to protect).
  void forget(const std::string& digest);
  size_t size() const;
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

#include "recent_blobs.hpp"

namespace wharf::registry {

void RecentBlobs::touch(const std::string& digest) {
  std::lock_guard lock(mutex_);
  seen_[digest] = Clock::now();
  if (seen_.size() >= prune_at_) {
    auto cutoff = Clock::now() - keep_;
    std::erase_if(seen_, [&](const auto& kv) { return kv.second < cutoff; });
    prune_at_ = std::max<size_t>(4096, seen_.size() * 2);
  }
}

bool RecentBlobs::recent(const std::string& digest) const {
  std::lock_guard lock(mutex_);
  auto it = seen_.find(digest);
  return it != seen_.end() && it->second >= Clock::now() - keep_;
}

void RecentBlobs::prune() {
  std::lock_guard lock(mutex_);
  auto cutoff = Clock::now() - keep_;
  std::erase_if(seen_, [&](const auto& kv) { return kv.second < cutoff; });
}

}  // namespace wharf::registry

#include "recent_blobs.hpp"

namespace wharf::registry {

void RecentBlobs::touch(const std::string& digest) {
  std::lock_guard lock(mutex_);
  seen_[digest] = Clock::now();
  if (seen_.size() >= prune_at_) {
    auto cutoff = Clock::now() - keep_;
    std::erase_if(seen_, [&](const auto& kv) { return kv.second < cutoff; });
    for (auto it = seen_.begin(); seen_.size() > kMaxEntries * 3 / 4 && it != seen_.end();)
      it = it->first == digest ? std::next(it) : seen_.erase(it);
    prune_at_ = std::min(kMaxEntries, std::max<size_t>(4096, seen_.size() * 2));
  }
}

void RecentBlobs::forget(const std::string& digest) {
  std::lock_guard lock(mutex_);
  seen_.erase(digest);
}

size_t RecentBlobs::size() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
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

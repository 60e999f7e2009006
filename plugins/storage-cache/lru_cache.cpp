#include "lru_cache.hpp"

namespace wharf::cache {
namespace {

// True when `path` is `root` or lies below it.
bool covers(const std::string& root, const std::string& path) {
  return path.compare(0, root.size(), root) == 0 &&
         (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace

std::optional<CachedObject> LruCache::get(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.object;
}

uint64_t LruCache::beginFill(const std::string& path) {
  std::lock_guard lock(mu_);
  uint64_t ticket = next_ticket_++;
  fills_.emplace(ticket, Fill{path});
  return ticket;
}

bool LruCache::finishFill(uint64_t ticket, CachedObject object, uint64_t* evicted) {
  std::lock_guard lock(mu_);
  auto fill = fills_.find(ticket);
  if (fill == fills_.end()) return false;
  std::string path = std::move(fill->second.path);
  bool stale = fill->second.stale;
  fills_.erase(fill);
  uint64_t size = object.data ? object.data->size() : 0;
  if (stale || !object.data || size > max_bytes_) return false;
  if (auto old = entries_.find(path); old != entries_.end()) eraseLocked(old);
  while (bytes_ + size > max_bytes_ && !lru_.empty()) {
    eraseLocked(entries_.find(*lru_.back()));
    if (evicted) ++*evicted;
  }
  auto [it, inserted] = entries_.emplace(path, Node{std::move(object), {}});
  lru_.push_front(&it->first);
  it->second.lru = lru_.begin();
  bytes_ += size;
  return true;
}

void LruCache::abandonFill(uint64_t ticket) {
  std::lock_guard lock(mu_);
  fills_.erase(ticket);
}

uint64_t LruCache::invalidate(const std::string& path) {
  std::lock_guard lock(mu_);
  for (auto& [ticket, fill] : fills_)
    if (covers(path, fill.path)) fill.stale = true;
  uint64_t dropped = 0;
  if (auto it = entries_.find(path); it != entries_.end()) {
    eraseLocked(it);
    ++dropped;
  }
  // Keys below "path/" sort between "path/" and "path0" ('0' follows '/').
  auto it = entries_.lower_bound(path + "/");
  while (it != entries_.end() && covers(path, it->first)) {
    auto next = std::next(it);
    eraseLocked(it);
    it = next;
    ++dropped;
  }
  return dropped;
}

void LruCache::eraseLocked(std::map<std::string, Node>::iterator it) {
  bytes_ -= it->second.object.data->size();
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

uint64_t LruCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t LruCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace wharf::cache

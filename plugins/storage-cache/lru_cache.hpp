// LruCache: whole objects keyed by path, bounded by the sum of their sizes, least recently used
// evicted first. Thread-safe.
//
// Fills are ticketed so that a fill racing with a write cannot store stale bytes: beginFill()
// registers the path before the backend is read, invalidate() marks every registered fill of an
// affected path stale, and finishFill() stores nothing for a stale ticket.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace wharf::cache {

struct CachedObject {
  std::shared_ptr<const std::string> data;
  int64_t mtime_ns = 0;
};

class LruCache {
 public:
  explicit LruCache(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // The object at `path`, marked most recently used.
  std::optional<CachedObject> get(const std::string& path);

  uint64_t beginFill(const std::string& path);
  // Stores `object` unless the ticket went stale or the object exceeds the bound; adds the
  // number of entries evicted to make room to *evicted. True when stored.
  bool finishFill(uint64_t ticket, CachedObject object, uint64_t* evicted);
  void abandonFill(uint64_t ticket);

  // Drops `path` and every entry below it ("path/..."), and makes fills of them stale. Returns
  // the number of entries dropped.
  uint64_t invalidate(const std::string& path);

  uint64_t bytes() const;
  size_t size() const;

 private:
  struct Node {
    CachedObject object;
    std::list<const std::string*>::iterator lru;
  };
  struct Fill {
    std::string path;
    bool stale = false;
  };

  void eraseLocked(std::map<std::string, Node>::iterator it);

  const uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::map<std::string, Node> entries_;  // ordered: a directory's entries are one range
  std::list<const std::string*> lru_;    // front = most recently used; points at entries_ keys
  uint64_t bytes_ = 0;
  uint64_t next_ticket_ = 1;
  std::unordered_map<uint64_t, Fill> fills_;
};

}  // namespace wharf::cache

// CacheDriver: a storage decorator that keeps whole small objects (size <= max_object_bytes) of
// its backend in a bounded in-memory LRU (max_bytes of object data).
//
// - stat and read are served from the cache on a hit; on a miss the object is stat'ed and, when
//   small, read whole from the backend once and cached (so a stat is followed by a cheap read,
//   as with manifest HEAD then GET). Directories and large objects always go to the backend.
// - The cache is invalidated by what goes through it: a committed writer (its path), move (both
//   paths and everything below them), remove (the path and everything below it).
// - list, local_path and redirect_url pass through to the backend, every status unchanged
//   (wharf::StorageClient is lossless).
// - The cache must be the only writer of its backend: a change made directly to the backend (or
//   through another instance) is not seen until the entry is evicted.
// Metrics (label `instance`): wharf_storage_cache_hits_total, wharf_storage_cache_misses_total,
// wharf_storage_cache_evictions_total (counters), wharf_storage_cache_bytes (gauge).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lru_cache.hpp"
#include "wharf/cpp/config.hpp"
#include "wharf/cpp/host.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::cache {

class CacheDriver : public StorageDriver {
 public:
  CacheDriver(const Config& config, const Host& host);

  StorageStat stat(const std::string& path) override;
  void read(const std::string& path, uint64_t offset, uint64_t length,
            const ReadSink& sink) override;
  std::unique_ptr<StorageWriter> openWriter(const std::string& path) override;
  std::vector<StorageEntry> list(const std::string& dir) override;
  std::vector<StorageListing> listPage(const std::string& dir, const std::string& start_after,
                                       uint64_t limit) override;
  void move(const std::string& from, const std::string& to) override;
  void remove(const std::string& path) override;
  std::optional<std::string> localPath(const std::string& path) override;
  std::optional<std::string> redirectUrl(const std::string& path,
                                         const std::string& method) override;

  // Drops `path` and everything below it (after a change through this instance).
  void invalidate(const std::string& path);

 private:
  // A miss: the object from the backend, cached when small. nullopt for a directory or a large
  // object, whose stat is then stored in *st.
  std::optional<CachedObject> fill(const std::string& path, StorageStat* st);
  void updateBytes();

  Host host_;
  StorageClient backend_;  // lossless: every status of the backend passes on unchanged
  uint64_t max_object_bytes_;
  LruCache cache_;
  Metric hits_, misses_, evictions_, bytes_;
};

}  // namespace wharf::cache

#include "cache_driver.hpp"

#include <algorithm>

#include "cache_writer.hpp"

namespace wharf::cache {
namespace {

constexpr size_t kSinkChunk = 1 << 20;

uint64_t sizeKey(const Config& config, const char* key, int64_t fallback) {
  int64_t v = config.integer(key, fallback);
  if (v < 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, std::string("key '") + key + "' is negative");
  return static_cast<uint64_t>(v);
}

// Streams [offset, offset+length) of a cached object.
void serve(const std::string& path, const std::string& data, uint64_t offset, uint64_t length,
           const ReadSink& sink) {
  if (offset > data.size())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "offset " + std::to_string(offset) +
                                                " is past the end of '" + path + "' (" +
                                                std::to_string(data.size()) + " bytes)");
  uint64_t end = data.size() - offset < length ? data.size() : offset + length;
  for (uint64_t pos = offset; pos < end;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kSinkChunk, end - pos));
    if (!sink(data.data() + pos, n)) return;
    pos += n;
  }
}

}  // namespace

CacheDriver::CacheDriver(const Config& config, const Host& host)
    : host_(host),
      backend_(StorageClient::lookup(host, config.required("backend"))),
      max_object_bytes_(sizeKey(config, "max_object_bytes", 1 << 20)),
      cache_(sizeKey(config, "max_bytes", 64 << 20)) {
  const char* instance = config.instance().c_str();
  hits_ = host.counter("wharf_storage_cache_hits_total",
                       "stat and read calls answered from the storage cache", {"instance"})
              .with({instance});
  misses_ = host.counter("wharf_storage_cache_misses_total",
                         "stat and read calls that went to the backend storage", {"instance"})
                .with({instance});
  evictions_ =
      host.counter("wharf_storage_cache_evictions_total",
                   "objects evicted from the storage cache to stay under max_bytes", {"instance"})
          .with({instance});
  bytes_ = host.gauge("wharf_storage_cache_bytes", "bytes of object data in the storage cache",
                      {"instance"})
               .with({instance});
  bytes_.set(0);
}

void CacheDriver::updateBytes() { bytes_.set(static_cast<double>(cache_.bytes())); }

void CacheDriver::invalidate(const std::string& path) {
  if (cache_.invalidate(path) > 0) updateBytes();
}

std::optional<CachedObject> CacheDriver::fill(const std::string& path, StorageStat* st) {
  uint64_t ticket = cache_.beginFill(path);
  try {
    *st = backend_.stat(path);
    if (st->is_dir || st->size > max_object_bytes_) {
      cache_.abandonFill(ticket);
      return std::nullopt;
    }
    auto data = std::make_shared<std::string>();
    bool too_big = false;
    backend_.read(path, 0, UINT64_MAX, [&](const void* d, size_t n) {
      if (data->size() + n > max_object_bytes_) {
        too_big = true;  // grew since the stat
        return false;
      }
      data->append(static_cast<const char*>(d), n);
      return true;
    });
    if (too_big) {
      cache_.abandonFill(ticket);
      *st = backend_.stat(path);
      return std::nullopt;
    }
    CachedObject object{std::move(data), st->mtime_ns};
    st->size = object.data->size();
    uint64_t evicted = 0;
    if (cache_.finishFill(ticket, object, &evicted)) {
      if (evicted > 0) evictions_.add(static_cast<double>(evicted));
      updateBytes();
    }
    return object;
  } catch (...) {
    cache_.abandonFill(ticket);
    throw;
  }
}

StorageStat CacheDriver::stat(const std::string& path) {
  validateStoragePath(path, /*allow_root=*/true);
  if (!path.empty()) {
    if (auto hit = cache_.get(path)) {
      hits_.add();
      return StorageStat{hit->data->size(), hit->mtime_ns, false};
    }
  }
  misses_.add();
  if (path.empty()) return backend_.stat(path);
  StorageStat st;
  fill(path, &st);
  return st;
}

void CacheDriver::read(const std::string& path, uint64_t offset, uint64_t length,
                       const ReadSink& sink) {
  validateStoragePath(path);
  if (auto hit = cache_.get(path)) {
    hits_.add();
    serve(path, *hit->data, offset, length, sink);
    return;
  }
  misses_.add();
  StorageStat st;
  if (auto object = fill(path, &st)) {
    serve(path, *object->data, offset, length, sink);
    return;
  }
  backend_.read(path, offset, length, sink);
}

std::unique_ptr<StorageWriter> CacheDriver::openWriter(const std::string& path) {
  validateStoragePath(path);
  return std::make_unique<CacheWriter>(*this, path, backend_.openWriter(path));
}

std::vector<StorageEntry> CacheDriver::list(const std::string& dir) {
  validateStoragePath(dir, /*allow_root=*/true);
  return backend_.list(dir);
}

std::vector<StorageListing> CacheDriver::listPage(const std::string& dir,
                                                  const std::string& start_after, uint64_t limit) {
  validateStoragePath(dir, /*allow_root=*/true);
  return backend_.listPage(dir, start_after, limit);
}

void CacheDriver::move(const std::string& from, const std::string& to) {
  validateStoragePath(from);
  validateStoragePath(to);
  try {
    backend_.move(from, to);
  } catch (...) {
    invalidate(from);
    invalidate(to);
    throw;
  }
  invalidate(from);
  invalidate(to);
}

void CacheDriver::remove(const std::string& path) {
  validateStoragePath(path);
  try {
    backend_.remove(path);
  } catch (...) {
    invalidate(path);
    throw;
  }
  invalidate(path);
}

std::optional<std::string> CacheDriver::localPath(const std::string& path) {
  validateStoragePath(path);
  return backend_.localPath(path);
}

std::optional<std::string> CacheDriver::redirectUrl(const std::string& path,
                                                    const std::string& method) {
  validateStoragePath(path);
  return backend_.redirectUrl(path, method);
}

}  // namespace wharf::cache

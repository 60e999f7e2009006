// Backend: calls the decorated storage instance through its C table and passes every status and
// message on unchanged. wharf::StorageClient is not used because it turns NOT_FOUND into empty
// results for list/remove/stat, which a decorator must not do, and because its one-line
// check(call(&err), err) pattern loses the callee's error under GCC (see the SDK report).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wharf/cpp/host.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::cache {

// A backend writer: cancelled on destruction unless committed.
class BackendWriter {
 public:
  BackendWriter(const wharf_storage_v1* t, wharf_storage_writer* w) : t_(t), w_(w) {}
  BackendWriter(BackendWriter&& o) noexcept : t_(o.t_), w_(o.w_) { o.w_ = nullptr; }
  BackendWriter& operator=(BackendWriter&&) = delete;
  ~BackendWriter() {
    if (w_) t_->cancel(w_);
  }
  void write(const void* data, size_t size);
  uint64_t written() const { return w_ ? t_->written(w_) : 0; }
  void commit();

 private:
  const wharf_storage_v1* t_;
  wharf_storage_writer* w_;
};

class Backend {
 public:
  // The storage instance `name`, found through the host.
  static Backend lookup(const Host& host, const std::string& name);
  Backend(const wharf_storage_v1* table, void* instance) : t_(table), inst_(instance) {}

  StorageStat stat(const std::string& path) const;
  // Returns normally when `sink` stopped the read.
  void read(const std::string& path, uint64_t offset, uint64_t length, const ReadSink& sink) const;
  BackendWriter openWriter(const std::string& path) const;
  std::vector<StorageEntry> list(const std::string& dir) const;
  // list_page, or list() and a stat per entry from a backend built before ABI 1.1.
  std::vector<StorageListing> listPage(const std::string& dir, const std::string& start_after,
                                       uint64_t limit) const;
  void move(const std::string& from, const std::string& to) const;
  void remove(const std::string& path) const;
  // nullopt when the backend does not support it.
  std::optional<std::string> localPath(const std::string& path) const;
  std::optional<std::string> redirectUrl(const std::string& path, const std::string& method) const;

 private:
  const wharf_storage_v1* t_;
  void* inst_;
};

}  // namespace wharf::cache

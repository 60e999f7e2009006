// MemoryDriver: a thread-safe in-memory storage driver. Objects live in one sorted map keyed by
// path; directories are implied by the paths below them ("a/b/c" makes "a" and "a/b" listable).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "wharf/cpp/config.hpp"
#include "wharf/cpp/host.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::memory {

using Bytes = std::shared_ptr<const std::string>;

struct MemoryObject {
  Bytes data;
  int64_t mtime_ns = 0;
};

class MemoryDriver : public StorageDriver {
 public:
  MemoryDriver(const Config& config, const Host& host);
  ~MemoryDriver() override;

  StorageStat stat(const std::string& path) override;
  void read(const std::string& path, uint64_t offset, uint64_t length,
            const ReadSink& sink) override;
  std::unique_ptr<StorageWriter> openWriter(const std::string& path) override;
  std::vector<StorageEntry> list(const std::string& dir) override;
  std::vector<StorageListing> listPage(const std::string& dir, const std::string& start_after,
                                       uint64_t limit) override;
  void move(const std::string& from, const std::string& to) override;
  void remove(const std::string& path) override;

  // Byte budget shared by committed objects and open writers; reserve() throws NO_SPACE.
  void reserve(uint64_t bytes);
  void release(uint64_t bytes) noexcept;
  // Publishes `data` at `path` (writer commit). The bytes must already be reserved.
  void install(const std::string& path, Bytes data);

 private:
  bool isDirLocked(const std::string& path) const;
  // Throws EXISTS when a file cannot be created at `path` (a directory, or a file above it).
  void checkFileSlotLocked(const std::string& path) const;

  Host host_;
  uint64_t max_bytes_;
  std::atomic<uint64_t> used_{0};
  mutable std::shared_mutex mu_;
  std::map<std::string, MemoryObject> objects_;
};

}  // namespace wharf::memory

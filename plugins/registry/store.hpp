// Store: the registry's view of its storage instance. Forwards to wharf::StorageClient, times every
// action into registry_storage_action_seconds, and reads and writes distribution's link files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "digest.hpp"
#include "metrics.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::registry {

class Store {
 public:
  Store(StorageClient client, RegistryMetrics* metrics, std::string driver);

  std::optional<StorageStat> stat(const std::string& path) const;
  bool exists(const std::string& path) const { return stat(path).has_value(); }
  std::optional<std::string> get(const std::string& path) const;
  void read(const std::string& path, uint64_t offset, uint64_t length, const ReadSink& sink) const;
  void put(const std::string& path, std::string_view data) const;
  StorageClient::Writer openWriter(const std::string& path) const;
  // Direct children; empty when absent.
  std::vector<StorageEntry> list(const std::string& dir) const;
  // Direct children with their stats, sorted by name, in one storage call; empty when absent.
  std::vector<StorageListing> listWithStats(const std::string& dir) const;
  // Names of the direct child directories (or files), sorted; empty when absent.
  std::vector<std::string> listNames(const std::string& dir, bool dirs_only = true) const;
  void move(const std::string& from, const std::string& to) const;
  bool remove(const std::string& path) const;
  std::optional<std::string> localPath(const std::string& path) const;

  // A link file: holds a digest string. nullopt when absent or unreadable as a digest.
  std::optional<Digest> readLink(const std::string& path) const;
  void writeLink(const std::string& path, const Digest& d) const;

 private:
  class Timer;
  StorageClient client_;
  RegistryMetrics* metrics_;
  std::string driver_;
};

}  // namespace wharf::registry

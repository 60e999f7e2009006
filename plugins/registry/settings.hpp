// The registry's INI keys, parsed.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "wharf/cpp/config.hpp"
#include "wharf/plugin.h"

namespace wharf::registry {

struct Settings {
  std::string storage;            // storage instance
  std::vector<std::string> auth;  // auth instances, asked in order
  bool deleteEnabled = false;     // manifest, tag and blob DELETE
  bool readOnly = false;          // refuse every push and delete
  size_t maxManifestBytes = 4 << 20;
  size_t catalogMaxEntries = 1000;
  size_t manifestCacheEntries = 10000;
  std::chrono::seconds gcInterval{0};  // 0 = no online GC
  std::chrono::seconds gcGrace{3600};
  std::chrono::seconds uploadPurgeAge{7 * 24 * 3600};
  std::chrono::seconds uploadPurgeInterval{3600};  // 0 = never purge

  static Settings fromConfig(const Config& config);
};

// The keys declared to the host (wharf_config_key array) and their count.
const wharf_config_key* registryConfigKeys();
size_t registryConfigKeyCount();

}  // namespace wharf::registry

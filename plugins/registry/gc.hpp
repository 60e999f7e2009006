// Garbage collection: mark every manifest of every repository (recursing through indexes and
// referrers) and the blobs they reference, then sweep unmarked blobs. Offline (`wharfd gc`) it
// runs with the listeners down; online it runs on a schedule and spares blobs younger than the
// grace period or recently referenced by a push in progress (RecentBlobs), and takes the GC lock
// exclusively while deleting so no manifest PUT can slip in between its check and its link.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>

#include "manifest_store.hpp"
#include "recent_blobs.hpp"
#include "store.hpp"

namespace wharf::registry {

struct GcOptions {
  bool dryRun = false;
  bool deleteUntagged = false;    // also remove manifests no tag reaches
  std::chrono::seconds grace{0};  // spare blobs modified more recently than this
  const RecentBlobs* recent = nullptr;
  std::shared_mutex* lock = nullptr;  // taken exclusively for the sweep
};

struct GcReport {
  uint64_t repositories = 0;
  uint64_t manifestsMarked = 0;
  uint64_t blobsMarked = 0;
  uint64_t blobsDeleted = 0;
  uint64_t bytesFreed = 0;
  uint64_t blobsSpared = 0;  // unreferenced but young or recently referenced
  uint64_t manifestsDeleted = 0;
};

using GcOutput = std::function<void(const std::string&)>;

GcReport collectGarbage(const Store& store, const ManifestStore& manifests,
                        const GcOptions& options, const GcOutput& out);

}  // namespace wharf::registry

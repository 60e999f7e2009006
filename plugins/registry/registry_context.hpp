// RegistryContext: what every handler shares — settings, storage, auth, uploads, manifests,
// metrics, and the lock that orders manifest PUTs against the online GC sweep.
#pragma once

#include <shared_mutex>

#include "auth_gate.hpp"
#include "manifest_store.hpp"
#include "metrics.hpp"
#include "recent_blobs.hpp"
#include "settings.hpp"
#include "store.hpp"
#include "uploads.hpp"
#include "wharf/cpp/host.hpp"

namespace wharf::registry {

struct RegistryContext {
  RegistryContext(Settings s, const Host& h, StorageClient storage, std::vector<AuthClient> auth,
                  std::string driver_label);

  Settings settings;
  Host host;
  RegistryMetrics metrics;
  Store store;
  AuthGate auth;
  Uploads uploads;
  ManifestStore manifests;
  RecentBlobs recent;
  // Shared by manifest PUTs from their reference checks to their last link; exclusive for the
  // online GC sweep.
  std::shared_mutex gcLock;

  // True when repository `name` links blob `d` (as a layer or a manifest) and the blob exists.
  bool repositoryHasBlob(const std::string& name, const Digest& d) const;
};

}  // namespace wharf::registry

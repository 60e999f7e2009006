#include "registry_context.hpp"

#include "layout.hpp"

namespace wharf::registry {

RegistryContext::RegistryContext(Settings s, const Host& h, StorageClient storage,
                                 std::vector<AuthClient> auth_clients, std::string driver_label)
    : settings(std::move(s)),
      host(h),
      metrics(h),
      store(storage, &metrics, std::move(driver_label)),
      auth(std::move(auth_clients)),
      uploads(store, &metrics),
      manifests(store, settings.manifestCacheEntries),
      recent(settings.gcGrace) {}

bool RegistryContext::repositoryHasBlob(const std::string& name, const Digest& d) const {
  if (!store.exists(layout::layerLink(name, d)) && !store.exists(layout::revisionLink(name, d)))
    return false;
  return store.exists(layout::blobData(d));
}

}  // namespace wharf::registry

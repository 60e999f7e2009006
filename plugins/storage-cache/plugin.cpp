// Registration of the storage-cache plugin: its INI keys and the exported entry point.
#include "cache_driver.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"backend", WHARF_KEY_INSTANCE, WHARF_KEY_REQUIRED, WHARF_KIND_STORAGE, nullptr, nullptr,
     "the storage instance to cache (this cache must be its only writer)"},
    {"max_bytes", WHARF_KEY_SIZE, 0, kNoKind, "67108864", nullptr,
     "bound on the cached object bytes (default 64M)"},
    {"max_object_bytes", WHARF_KEY_SIZE, 0, kNoKind, "1048576", nullptr,
     "largest object kept in the cache (default 1M)"},
};

}  // namespace

WHARF_STORAGE_PLUGIN(wharf::cache::CacheDriver, "storage-cache", "0.1.0",
                     "in-memory LRU cache of small objects over another storage instance", kKeys)

#include "settings.hpp"

#include <iterator>

namespace wharf::registry {

namespace {

constexpr auto kAnyKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"storage", WHARF_KEY_INSTANCE, WHARF_KEY_REQUIRED, WHARF_KIND_STORAGE, nullptr, nullptr,
     "storage instance holding distribution's docker/registry/v2 tree"},
    {"auth", WHARF_KEY_INSTANCE, WHARF_KEY_LIST, WHARF_KIND_AUTH, nullptr, nullptr,
     "auth instances asked in order (none = open registry)"},
    {"delete", WHARF_KEY_BOOL, 0, kAnyKind, "false", nullptr,
     "allow manifest, tag and blob DELETE (405 UNSUPPORTED otherwise)"},
    {"read_only", WHARF_KEY_BOOL, 0, kAnyKind, "false", nullptr,
     "refuse every push and delete with 405 UNSUPPORTED"},
    {"max_manifest_bytes", WHARF_KEY_SIZE, 0, kAnyKind, "4M", nullptr,
     "largest manifest accepted by PUT (413 above)"},
    {"catalog_max_entries", WHARF_KEY_INT, 0, kAnyKind, "1000", nullptr,
     "largest page of GET /v2/_catalog (also its default n)"},
    {"manifest_cache_entries", WHARF_KEY_INT, 0, kAnyKind, "10000", nullptr,
     "parsed manifests kept in memory (media type, references, referrers data)"},
    {"gc_interval", WHARF_KEY_DURATION, 0, kAnyKind, "0", nullptr,
     "run online garbage collection this often (0 = never; offline: wharfd gc)"},
    {"gc_grace", WHARF_KEY_DURATION, 0, kAnyKind, "1h", nullptr,
     "online GC never deletes a blob younger than this or recently referenced"},
    {"upload_purge_age", WHARF_KEY_DURATION, 0, kAnyKind, "168h", nullptr,
     "delete upload sessions started longer ago than this"},
    {"upload_purge_interval", WHARF_KEY_DURATION, 0, kAnyKind, "1h", nullptr,
     "look for stale uploads this often (0 = never)"},
};

std::chrono::seconds seconds(const Config& c, const char* key) {
  return std::chrono::seconds(static_cast<int64_t>(c.number(key)));
}

}  // namespace

Settings Settings::fromConfig(const Config& c) {
  Settings s;
  s.storage = c.required("storage");
  s.auth = c.list("auth");
  s.deleteEnabled = c.boolean("delete");
  s.readOnly = c.boolean("read_only");
  s.maxManifestBytes = static_cast<size_t>(c.integer("max_manifest_bytes"));
  s.catalogMaxEntries = static_cast<size_t>(c.integer("catalog_max_entries"));
  s.manifestCacheEntries = static_cast<size_t>(c.integer("manifest_cache_entries"));
  s.gcInterval = seconds(c, "gc_interval");
  s.gcGrace = seconds(c, "gc_grace");
  s.uploadPurgeAge = seconds(c, "upload_purge_age");
  s.uploadPurgeInterval = seconds(c, "upload_purge_interval");
  return s;
}

const wharf_config_key* registryConfigKeys() { return kKeys; }
size_t registryConfigKeyCount() { return std::size(kKeys); }

}  // namespace wharf::registry

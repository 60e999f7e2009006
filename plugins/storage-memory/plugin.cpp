// Registration of the storage-memory plugin: its INI keys and the exported entry point.
#include "memory_driver.hpp"

namespace {

const wharf_config_key kKeys[] = {
    {"max_bytes", WHARF_KEY_SIZE, 0, static_cast<wharf_plugin_kind>(0), "0", nullptr,
     "byte budget for stored objects plus pending writes; 0 = unlimited"},
};

}  // namespace

WHARF_STORAGE_PLUGIN(wharf::memory::MemoryDriver, "storage-memory", "0.1.0",
                     "in-memory storage (tests, ephemeral data)", kKeys)

// Registration of the storage-fs plugin: its INI keys and the exported entry point.
#include "fs_driver.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"root", WHARF_KEY_DIR, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "directory holding the objects as plain files (distribution's layout)"},
    {"fsync", WHARF_KEY_BOOL, 0, kNoKind, "true", nullptr,
     "fsync each file before its commit rename and its directory after"},
    {"direct_io", WHARF_KEY_BOOL, 0, kNoKind, "true", nullptr,
     "write what new objects hold beyond direct_io_from with O_DIRECT (no page-cache copy, no "
     "eviction of cached small objects; buffered where the file system refuses O_DIRECT)"},
    {"direct_io_from", WHARF_KEY_SIZE, 0, kNoKind, "64M", nullptr,
     "with direct_io: the first bytes of every object, written through the page cache"},
    {"tmp_dir", WHARF_KEY_STRING, 0, kNoKind, ".wharf-tmp", nullptr,
     "name of the directory inside root for pending writes (reserved, never listed)"},
    {"stale_tmp_age", WHARF_KEY_DURATION, 0, kNoKind, "3600", nullptr,
     "at start, delete pending-write files older than this (left by a crash)"},
};

}  // namespace

WHARF_STORAGE_PLUGIN(wharf::fs::FsDriver, "storage-fs", "0.1.0",
                     "storage in a local directory tree (atomic rename commits, sendfile)", kKeys)

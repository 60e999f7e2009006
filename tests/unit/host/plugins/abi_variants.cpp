// Storage plugins with deliberately unusual descriptors, for the loader's ABI checks. Which one is
// built is chosen by WHARF_TEST_VARIANT: 1 = ABI major + 1, 2 = ABI minor + 1, 3 = a descriptor and
// table from an older SDK (smaller struct_size, must be accepted and zero-padded).
#include <cstddef>

#include "wharf/storage.h"

namespace {

wharf_status create(const wharf_config*, const wharf_host_api*, void** instance, wharf_error**) {
  static int dummy;
  *instance = &dummy;
  return WHARF_OK;
}
void destroy(void*) {}
wharf_status stat(void*, const char*, wharf_storage_stat*, wharf_error**) {
  return WHARF_ERR_NOT_FOUND;
}

wharf_storage_v1 makeTable() {
  wharf_storage_v1 t{};
  t.struct_size = sizeof(wharf_storage_v1);
  t.stat = stat;
#if WHARF_TEST_VARIANT == 3
  t.struct_size = offsetof(wharf_storage_v1, read);  // only `stat`
#endif
  return t;
}

}  // namespace

extern "C" WHARF_EXPORT const wharf_plugin* wharf_plugin_init(const wharf_host_api*) {
  static const wharf_storage_v1 table = makeTable();
  static const wharf_plugin p = [] {
    wharf_plugin d{};
    d.abi_major = WHARF_ABI_MAJOR;
    d.abi_minor = WHARF_ABI_MINOR;
    d.struct_size = sizeof(wharf_plugin);
    d.kind = WHARF_KIND_STORAGE;
    d.name = WHARF_TEST_NAME;
    d.version = "0.0.1";
    d.create = create;
    d.destroy = destroy;
    d.table = &table;
#if WHARF_TEST_VARIANT == 1
    d.abi_major = WHARF_ABI_MAJOR + 1;
#elif WHARF_TEST_VARIANT == 2
    d.abi_minor = WHARF_ABI_MINOR + 1;
#elif WHARF_TEST_VARIANT == 3
    d.struct_size = offsetof(wharf_plugin, run_command);  // an SDK before run_command existed
#endif
    return d;
  }();
  return &p;
}

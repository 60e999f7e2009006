#include "plugins/module_loader.hpp"

#include <boost/dll/runtime_symbol_info.hpp>
#include <cstddef>
#include <cstring>
#include <filesystem>

#include "wharf/auth.h"
#include "wharf/engine.h"
#include "wharf/http_service.h"
#include "wharf/quant.h"
#include "wharf/storage.h"

#ifndef WHARF_PLUGIN_INSTALL_FULLDIR
#define WHARF_PLUGIN_INSTALL_FULLDIR "/usr/lib/wharf/plugins"
#endif

namespace fs = std::filesystem;

namespace wharf::host {

namespace {
constexpr const char* kPrefix = "libwharf-";
constexpr const char* kSuffix = ".so";

std::string versionText(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}
}  // namespace

size_t kindTableSize(wharf_plugin_kind kind) {
  switch (kind) {
    case WHARF_KIND_STORAGE:
      return sizeof(wharf_storage_v1);
    case WHARF_KIND_AUTH:
      return sizeof(wharf_auth_v1);
    case WHARF_KIND_HTTP_SERVICE:
      return sizeof(wharf_http_service_v1);
    case WHARF_KIND_QUANT:
      return sizeof(wharf_quant_v1);
    case WHARF_KIND_ENGINE:
      return sizeof(wharf_engine_v1);
  }
  return 0;
}

std::optional<std::string> abiProblem(const wharf_plugin* p, const std::string& path) {
  if (!p) return path + ": wharf_plugin_init returned no descriptor";
  const std::string host_v = versionText(WHARF_ABI_MAJOR, WHARF_ABI_MINOR);
  const std::string plug_v = versionText(p->abi_major, p->abi_minor);
  if (p->abi_major != WHARF_ABI_MAJOR)
    return path + ": plugin ABI " + plug_v + " is incompatible with host ABI " + host_v +
           " (major versions differ)";
  if (p->abi_minor > WHARF_ABI_MINOR)
    return path + ": plugin ABI " + plug_v + " is newer than host ABI " + host_v +
           " (upgrade wharfd or rebuild the plugin against this SDK)";
  constexpr size_t needed = offsetof(wharf_plugin, destroy) + sizeof(p->destroy);
  if (p->struct_size < needed)
    return path + ": descriptor struct_size " + std::to_string(p->struct_size) +
           " is too small (minimum " + std::to_string(needed) + ")";
  if (kindTableSize(p->kind) == 0)
    return path + ": unknown plugin kind " + std::to_string(static_cast<int>(p->kind));
  if (!p->name || !*p->name) return path + ": descriptor has no name";
  if (!p->create || !p->destroy) return path + ": descriptor lacks create/destroy";
  return std::nullopt;
}

std::vector<std::string> defaultPluginDirs() {
  std::vector<std::string> dirs;
  try {
    fs::path exe = boost::dll::program_location().string();
    dirs.push_back((exe.parent_path().parent_path() / "lib" / "wharf" / "plugins").string());
  } catch (...) {
  }
  dirs.push_back(WHARF_PLUGIN_INSTALL_FULLDIR);
  return dirs;
}

ModuleLoader::ModuleLoader(std::vector<std::string> search_path, const wharf_host_api* api)
    : search_path_(std::move(search_path)), api_(api) {
  for (auto& d : defaultPluginDirs()) search_path_.push_back(d);
}

std::map<std::string, std::string> ModuleLoader::discover() const {
  std::map<std::string, std::string> found;
  for (auto& dir : search_path_) {
    std::error_code ec;
    for (auto& entry : fs::directory_iterator(dir, ec)) {
      std::string file = entry.path().filename().string();
      if (file.rfind(kPrefix, 0) != 0 || !file.ends_with(kSuffix)) continue;
      std::string name = file.substr(std::strlen(kPrefix),
                                     file.size() - std::strlen(kPrefix) - std::strlen(kSuffix));
      found.emplace(name, entry.path().string());
    }
  }
  return found;
}

const LoadedModule& ModuleLoader::load(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) return *it->second;
  for (auto& dir : search_path_) {
    fs::path candidate = fs::path(dir) / (kPrefix + name + kSuffix);
    std::error_code ec;
    if (!fs::exists(candidate, ec)) continue;
    const LoadedModule& m = loadFile(candidate.string());
    if (m.descriptor.name != name)
      throw LoadError(candidate.string() + ": file is named for module '" + name +
                      "' but the plugin calls itself '" + m.descriptor.name + "'");
    by_name_[name] = &m;
    return m;
  }
  std::string where;
  for (auto& d : search_path_) where += (where.empty() ? "" : ", ") + d;
  throw LoadError("module '" + name + "' not found (looked for " + kPrefix + name + kSuffix +
                  " in " + where + ")");
}

const LoadedModule& ModuleLoader::loadFile(const std::string& path) {
  std::string canonical = fs::weakly_canonical(path).string();
  if (auto it = by_path_.find(canonical); it != by_path_.end()) return *it->second;
  auto m = std::make_unique<LoadedModule>();
  m->path = canonical;
  try {
    m->library = std::make_shared<boost::dll::shared_library>(
        canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw LoadError(canonical + ": cannot load: " + e.what());
  }
  if (!m->library->has(WHARF_PLUGIN_INIT_SYMBOL))
    throw LoadError(canonical + ": not a Wharf plugin (no " WHARF_PLUGIN_INIT_SYMBOL " symbol)");
  auto init = m->library->get<const wharf_plugin*(const wharf_host_api*)>(WHARF_PLUGIN_INIT_SYMBOL);
  const wharf_plugin* p = init(api_);
  if (auto problem = abiProblem(p, canonical)) throw LoadError(*problem);
  std::memcpy(&m->descriptor, p, std::min<size_t>(p->struct_size, sizeof(wharf_plugin)));
  // Kind tables start with their struct_size; copy what the plugin has, zero the rest.
  m->table.assign(kindTableSize(p->kind), 0);
  const void* table =
      p->struct_size >= offsetof(wharf_plugin, table) + sizeof(p->table) ? p->table : nullptr;
  if (!table) throw LoadError(canonical + ": descriptor has no function table");
  uint32_t table_size = 0;
  std::memcpy(&table_size, table, sizeof table_size);
  std::memcpy(m->table.data(), table, std::min<size_t>(table_size, m->table.size()));
  m->descriptor.table = m->table.data();
  m->name = m->descriptor.name;
  auto* raw = m.get();
  by_path_[canonical] = std::move(m);
  return *raw;
}

}  // namespace wharf::host

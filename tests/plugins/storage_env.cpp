#include "storage_env.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace wharf::test {

StorageEnv::StorageEnv(TestHost& host) : host_(host) {}

StorageEnv::~StorageEnv() {
  while (!instances_.empty()) {
    host_.removeInstance(instances_.back()->name());
    instances_.pop_back();
  }
  for (auto& dir : temp_dirs_) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

PluginInstance& StorageEnv::add(const std::string& module,
                                const std::map<std::string, std::string>& values,
                                const std::string& name) {
  const wharf_plugin& plugin = loadPlugin(module, host_.api());
  if (plugin.kind != WHARF_KIND_STORAGE)
    throw std::runtime_error(module + " is a " + wharf_kind_name(plugin.kind) + " plugin");
  std::map<std::string, std::string> resolved = values;
  for (auto& [k, v] : resolved)
    if (v == "@TMP@") v = tempDir();
  instances_.push_back(std::make_unique<PluginInstance>(plugin, host_, name, resolved));
  host_.addInstance(name, WHARF_KIND_STORAGE, plugin.table, instances_.back()->handle());
  return *instances_.back();
}

std::string StorageEnv::tempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "wharf-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
  temp_dirs_.push_back(tmpl);
  return tmpl;
}

const PluginInstance& StorageEnv::last() const {
  if (instances_.empty()) throw std::logic_error("no storage instance in this environment");
  return *instances_.back();
}

const wharf_storage_v1* StorageEnv::table() const {
  return static_cast<const wharf_storage_v1*>(last().plugin().table);
}

void* StorageEnv::handle() const { return last().handle(); }

StorageClient StorageEnv::client() const { return StorageClient(table(), handle()); }

StorageClient StorageEnv::client(const std::string& name) const {
  for (auto& i : instances_)
    if (i->name() == name)
      return StorageClient(static_cast<const wharf_storage_v1*>(i->plugin().table), i->handle());
  throw std::logic_error("no storage instance '" + name + "'");
}

std::string memoryModule() { return WHARF_STORAGE_MEMORY_MODULE; }
std::string fsModule() { return WHARF_STORAGE_FS_MODULE; }
std::string cacheModule() { return WHARF_STORAGE_CACHE_MODULE; }

StorageSetup parseExtraSetup(const std::string& spec) {
  size_t colon = spec.find(':');
  std::string path = spec.substr(0, colon);
  std::map<std::string, std::string> values;
  if (colon != std::string::npos) {
    std::string rest = spec.substr(colon + 1);
    size_t pos = 0;
    while (pos < rest.size()) {
      size_t comma = rest.find(',', pos);
      if (comma == std::string::npos) comma = rest.size();
      std::string item = rest.substr(pos, comma - pos);
      size_t eq = item.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("expected key=value: " + item);
      values[item.substr(0, eq)] = item.substr(eq + 1);
      pos = comma + 1;
    }
  }
  std::string name = "extra_";
  std::string stem = std::filesystem::path(path).stem().string();
  if (stem.starts_with("libwharf-")) stem = stem.substr(9);
  for (char ch : stem) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return StorageSetup{name, [path, values](StorageEnv& env) { env.add(path, values); }};
}

std::vector<StorageSetup> storageSetups() {
  std::vector<StorageSetup> setups = {
      {"memory", [](StorageEnv& env) { env.add(memoryModule(), {}); }},
      {"fs",
       [](StorageEnv& env) {
         env.add(fsModule(), {{"root", env.tempDir()}});
       }},
      {"cache_memory",
       [](StorageEnv& env) {
         env.add(memoryModule(), {}, "backend");
         env.add(cacheModule(), {{"backend", "backend"}});
       }},
      {"cache_fs",
       [](StorageEnv& env) {
         env.add(fsModule(), {{"root", env.tempDir()}}, "backend");
         env.add(cacheModule(), {{"backend", "backend"}});
       }},
  };
  if (const char* extra = std::getenv("WHARF_EXTRA_STORAGE_MODULE")) {
    std::string list = extra;
    size_t pos = 0;
    while (pos < list.size()) {
      size_t semi = list.find(';', pos);
      if (semi == std::string::npos) semi = list.size();
      if (semi > pos) setups.push_back(parseExtraSetup(list.substr(pos, semi - pos)));
      pos = semi + 1;
    }
  }
  return setups;
}

}  // namespace wharf::test

// Finds plugin modules (libwharf-<name>.so) on the search path, loads them with Boost.DLL
// (RTLD_NOW | RTLD_LOCAL), checks their ABI and keeps zero-padded copies of their tables so the
// host never reads past a table's struct_size.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "wharf/plugin.h"

namespace wharf::host {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedModule {
  std::string name;  // module name from the file name
  std::string path;
  wharf_plugin descriptor{};         // copy of min(struct_size, sizeof) bytes, rest zero
  std::vector<unsigned char> table;  // copy of the kind table, zero-padded to the host's size
  std::shared_ptr<boost::dll::shared_library> library;

  const void* kindTable() const { return table.data(); }
};

// Why `p` (from file `path`) cannot be used by this host, or nullopt when it can.
std::optional<std::string> abiProblem(const wharf_plugin* p, const std::string& path);
// sizeof the host's table struct for `kind` (0 for an unknown kind).
size_t kindTableSize(wharf_plugin_kind kind);

class ModuleLoader {
 public:
  ModuleLoader(std::vector<std::string> search_path, const wharf_host_api* api);

  // Loads module `name` (once; later calls return the same module). Throws LoadError.
  const LoadedModule& load(const std::string& name);
  // Loads a module from an explicit file. Throws LoadError.
  const LoadedModule& loadFile(const std::string& path);
  // Module names found on the search path, first occurrence wins.
  std::map<std::string, std::string> discover() const;
  const std::vector<std::string>& searchPath() const { return search_path_; }

 private:
  std::vector<std::string> search_path_;
  const wharf_host_api* api_;
  std::map<std::string, std::unique_ptr<LoadedModule>> by_path_;
  std::map<std::string, const LoadedModule*> by_name_;
};

// The default search path after [host] plugin_path: <exe dir>/../lib/wharf/plugins and the
// install directory.
std::vector<std::string> defaultPluginDirs();

}  // namespace wharf::host

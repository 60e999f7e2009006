// StorageEnv holds the storage instances of one test (created in order through the real C ABI,
// destroyed in reverse) and their temporary directories. StorageSetup names one way to build the
// instance under test; storageSetups() lists them all for the parametrised conformance suite.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "plugin_loader.hpp"
#include "test_host.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::test {

class StorageEnv {
 public:
  explicit StorageEnv(TestHost& host);
  ~StorageEnv();
  StorageEnv(const StorageEnv&) = delete;
  StorageEnv& operator=(const StorageEnv&) = delete;

  // Creates instance `name` of the module file `module` and registers it for lookup. The instance
  // added last is the one under test. Throws wharf::Error when create() fails.
  PluginInstance& add(const std::string& module, const std::map<std::string, std::string>& values,
                      const std::string& name = "storage");
  // A fresh empty directory, removed with the environment.
  std::string tempDir();

  TestHost& host() const { return host_; }
  // The instance under test, or a named one.
  StorageClient client() const;
  StorageClient client(const std::string& name) const;
  const wharf_storage_v1* table() const;
  void* handle() const;

 private:
  const PluginInstance& last() const;

  TestHost& host_;
  std::vector<std::unique_ptr<PluginInstance>> instances_;
  std::vector<std::string> temp_dirs_;
};

struct StorageSetup {
  std::string name;  // a test name suffix: letters, digits and '_'
  std::function<void(StorageEnv&)> build;
};

// GoogleTest prints a parameter with this (test names and ctest listings).
inline void PrintTo(const StorageSetup& setup, std::ostream* os) { *os << setup.name; }

// Module files of the in-tree drivers (from compile definitions).
std::string memoryModule();
std::string fsModule();
std::string cacheModule();

// The in-tree setups (memory, fs, cache over memory) plus one per module named in the environment
// variable WHARF_EXTRA_STORAGE_MODULE: "<path>[:key=value,...][;<path>...]", where a value of
// @TMP@ becomes a fresh temporary directory.
std::vector<StorageSetup> storageSetups();

// Parses one WHARF_EXTRA_STORAGE_MODULE item (exposed for tests of the parser).
StorageSetup parseExtraSetup(const std::string& spec);

}  // namespace wharf::test

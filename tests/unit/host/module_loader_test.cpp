// ABI checks of the plugin loader, on real modules built for the purpose.
#include "plugins/module_loader.hpp"

#include <gtest/gtest.h>

#include "runtime/host_api.hpp"
#include "wharf/storage.h"

using namespace wharf::host;

namespace {

struct LoaderFixture : ::testing::Test {
  MetricsHub metrics;
  std::atomic<bool> draining{false}, stopping{false};
  HostApi api{metrics, draining, stopping};
  ModuleLoader loader{{WHARF_TEST_PLUGIN_DIR, WHARF_PLUGIN_BUILD_DIR}, api.api()};

  std::string loadError(const std::string& module) {
    try {
      loader.load(module);
      return "";
    } catch (const LoadError& e) {
      return e.what();
    }
  }
};

}  // namespace

TEST_F(LoaderFixture, RefusesAnotherMajor) {
  std::string msg = loadError("test-abi-major");
  EXPECT_NE(msg.find("libwharf-test-abi-major.so"), std::string::npos) << msg;
  const std::string host = std::to_string(WHARF_ABI_MAJOR) + "." + std::to_string(WHARF_ABI_MINOR);
  const std::string plugin =
      std::to_string(WHARF_ABI_MAJOR + 1) + "." + std::to_string(WHARF_ABI_MINOR);
  EXPECT_NE(msg.find("plugin ABI " + plugin + " is incompatible with host ABI " + host),
            std::string::npos)
      << msg;
}

TEST_F(LoaderFixture, RefusesANewerMinor) {
  std::string msg = loadError("test-abi-minor");
  EXPECT_NE(msg.find("libwharf-test-abi-minor.so"), std::string::npos) << msg;
  const std::string host = std::to_string(WHARF_ABI_MAJOR) + "." + std::to_string(WHARF_ABI_MINOR);
  const std::string plugin =
      std::to_string(WHARF_ABI_MAJOR) + "." + std::to_string(WHARF_ABI_MINOR + 1);
  EXPECT_NE(msg.find("plugin ABI " + plugin + " is newer than host ABI " + host), std::string::npos)
      << msg;
}

TEST_F(LoaderFixture, AcceptsAnOlderSmallerDescriptorAndPadsTables) {
  const LoadedModule& m = loader.load("test-abi-oldsdk");
  EXPECT_EQ(m.descriptor.run_command, nullptr);  // beyond its struct_size: zero, not garbage
  auto* table = static_cast<const wharf_storage_v1*>(m.kindTable());
  EXPECT_NE(table->stat, nullptr);
  EXPECT_EQ(table->read, nullptr);  // beyond the table's struct_size
  EXPECT_EQ(table->redirect_url, nullptr);
}

TEST_F(LoaderFixture, LoadsARealPluginOnce) {
  const LoadedModule& a = loader.load("storage-memory");
  const LoadedModule& b = loader.load("storage-memory");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.descriptor.kind, WHARF_KIND_STORAGE);
  EXPECT_STREQ(a.descriptor.name, "storage-memory");
}

TEST_F(LoaderFixture, MissingModuleNamesTheSearchPath) {
  std::string msg = loadError("no-such-module");
  EXPECT_NE(msg.find("module 'no-such-module' not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find(WHARF_TEST_PLUGIN_DIR), std::string::npos) << msg;
}

TEST_F(LoaderFixture, DiscoversModules) {
  auto found = loader.discover();
  EXPECT_TRUE(found.count("test-echo"));
  EXPECT_TRUE(found.count("storage-memory"));
}

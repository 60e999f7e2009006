// Plugin sections: key validation against the plugin's declared keys, dependency order, reverse
// destruction, and failures that name the instance.
#include "plugins/instance_manager.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "runtime/host_api.hpp"
#include "temp_files.hpp"

using namespace wharf::host;
using wharf::test::TempDir;

namespace {

struct Managed {
  TempDir dir;
  MetricsHub metrics;
  std::atomic<bool> draining{false}, stopping{false};
  HostApi api{metrics, draining, stopping};
  std::unique_ptr<IniSource> ini;
  std::unique_ptr<HostConfig> config;
  std::unique_ptr<ModuleLoader> loader;
  std::unique_ptr<InstanceManager> manager;

  explicit Managed(const std::string& plugins) {
    std::string text =
        "[host]\nmetrics_listener = none\nadmin_listener = none\ndata_dir = " + dir.path() +
        "\n[listener.api]\nbind = 127.0.0.1:0\n" + plugins;
    ini = std::make_unique<IniSource>(IniSource::load(dir.write("t.ini", text)));
    config = std::make_unique<HostConfig>(parseHostConfig(*ini));
    loader = std::make_unique<ModuleLoader>(
        std::vector<std::string>{WHARF_TEST_PLUGIN_DIR, WHARF_PLUGIN_BUILD_DIR}, api.api());
    manager = std::make_unique<InstanceManager>(*config, *ini, *loader);
  }
  std::string validateError() {
    try {
      manager->validate();
      return "";
    } catch (const std::exception& e) {
      std::string m = e.what();
      return m.substr(m.find("t.ini"));
    }
  }
  std::string log() const {
    std::ifstream in(dir.file("order.log"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

std::string echo(const std::string& name, const std::string& extra, const std::string& log) {
  return "[plugin." + name + "]\nmodule = test-echo\nlistener = api\nprefix = /" + name +
         "\norder_log = " + log + "\n" + extra;
}

}  // namespace

TEST(InstanceManager, UnknownKeyIsRefusedWithItsLine) {
  Managed m("[plugin.mem]\nmodule = storage-memory\nmax_bytes = 1M\nroot = /tmp\n");
  EXPECT_EQ(m.validateError().rfind(
                "t.ini:10: [plugin.mem] root: unknown key for module storage-memory", 0),
            0u)
      << m.validateError();
}

TEST(InstanceManager, TypedValuesAreChecked) {
  Managed m("[plugin.mem]\nmodule = storage-memory\nmax_bytes = huge\n");
  EXPECT_EQ(m.validateError(),
            "t.ini:9: [plugin.mem] max_bytes: expected a size such as 64M, got 'huge'");
}

TEST(InstanceManager, UnknownModule) {
  Managed m("[plugin.x]\nmodule = storage-nothing\n");
  EXPECT_NE(
      m.validateError().find("t.ini:8: [plugin.x] module: module 'storage-nothing' not found"),
      std::string::npos)
      << m.validateError();
}

TEST(InstanceManager, DanglingInstanceReference) {
  Managed m("[plugin.a]\nmodule = test-echo\nlistener = api\ndepends = ghost\n");
  EXPECT_EQ(m.validateError(), "t.ini:10: [plugin.a] depends: no [plugin.ghost] section");
}

TEST(InstanceManager, DanglingListener) {
  Managed m("[plugin.a]\nmodule = test-echo\nlistener = nowhere\n");
  EXPECT_EQ(m.validateError(), "t.ini:9: [plugin.a] listener: no [listener.nowhere] section");
}

TEST(InstanceManager, HttpServicesNeedAListener) {
  Managed m("[plugin.a]\nmodule = test-echo\n");
  EXPECT_EQ(m.validateError(),
            "t.ini:7: [plugin.a] listener: missing required key: the [listener.<name>] this "
            "service answers on");
}

TEST(InstanceManager, CyclesAreRefused) {
  Managed m(
      "[plugin.a]\nmodule = test-echo\nlistener = api\ndepends = b\n"
      "[plugin.b]\nmodule = test-echo\nlistener = api\nprefix = /b\ndepends = a\n");
  EXPECT_NE(m.validateError().find("dependency cycle: a -> b -> a"), std::string::npos)
      << m.validateError();
}

TEST(InstanceManager, CreatesInDependencyOrderAndDestroysInReverse) {
  TempDir logs;
  std::string log = logs.file("order.log");
  Managed m(echo("web", "depends = mid, mem\n", log) + echo("mid", "depends = base\n", log) +
            echo("base", "", log) + "[plugin.mem]\nmodule = storage-memory\n");
  ASSERT_EQ(m.validateError(), "");
  std::vector<std::string> order;
  for (auto& i : m.manager->instances()) order.push_back(i.name);
  EXPECT_EQ(order, (std::vector<std::string>{"base", "mid", "mem", "web"}));
  m.manager->createAll(m.api.api());
  const void* table = nullptr;
  void* handle = nullptr;
  std::string why;
  EXPECT_EQ(m.manager->lookup("mem", WHARF_KIND_STORAGE, &table, &handle, why), WHARF_OK);
  EXPECT_EQ(m.manager->lookup("mem", WHARF_KIND_AUTH, &table, &handle, why),
            WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(m.manager->lookup("ghost", WHARF_KIND_STORAGE, &table, &handle, why),
            WHARF_ERR_NOT_FOUND);
  m.manager->destroyAll();
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "create base\ncreate mid\ncreate web\ndestroy web\ndestroy mid\ndestroy base\n");
}

TEST(InstanceManager, FailedCreateNamesTheInstanceAndUnwinds) {
  TempDir logs;
  std::string log = logs.file("order.log");
  Managed m(echo("first", "", log) + echo("broken", "fail_create = true\n", log));
  ASSERT_EQ(m.validateError(), "");
  try {
    m.manager->createAll(m.api.api());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "[plugin.broken] (module test-echo): start-up failed: told to fail");
  }
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "create first\ndestroy first\n");
}

TEST(InstanceManager, HealthAndReload) {
  TempDir logs;
  std::string log = logs.file("order.log");
  Managed m(echo("ok", "", log) + echo("sick", "unhealthy = yes\n", log));
  ASSERT_EQ(m.validateError(), "");
  m.manager->createAll(m.api.api());
  auto bad = m.manager->unhealthy();
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].first, "sick");
  EXPECT_EQ(bad[0].second, "told to be unhealthy");
  EXPECT_TRUE(m.manager->reloadAll().empty());
  m.manager->destroyAll();
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("reload ok\nreload sick\n"), std::string::npos) << all;
}

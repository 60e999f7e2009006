// Loads libwharf-engine-cuda.so as the host does (dlopen, wharf_plugin_init): it loads on any
// machine, driver or not, and create() stops with a message that says what is missing.
#include <gtest/gtest.h>

#include "engine/cuda/cuda_check.hpp"
#include "plugin_loader.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/plugin.h"

namespace {

// Loaded once per process, as wharfd loads modules.
const wharf_plugin& plugin() {
  static wharf::test::TestHost host;
  return wharf::test::loadPlugin(WHARF_ENGINE_CUDA_PLUGIN, host.api());
}

// create() over `values` validated as wharfd validates them; returns the status and message.
std::pair<wharf_status, std::string> create(const std::map<std::string, std::string>& values) {
  wharf::test::TestHost host;
  try {
    wharf::test::PluginInstance instance(plugin(), host, "engine", values);
    return {WHARF_OK, ""};
  } catch (const wharf::Error& e) {
    return {e.code(), e.what()};
  } catch (const std::invalid_argument& e) {
    return {WHARF_ERR_INVALID_ARGUMENT, e.what()};
  }
}

TEST(EngineCudaPlugin, LoadsWithoutADriverAndDescribesItself) {
  const wharf_plugin& p = plugin();  // throws naming the file when it cannot be loaded
  EXPECT_STREQ(p.name, "engine-cuda");
  EXPECT_EQ(p.kind, WHARF_KIND_ENGINE);
}

TEST(EngineCudaPlugin, CreateSaysWhatTheMachineLacks) {
  const wharf::engine::cuda::CudaProbe probe = wharf::engine::cuda::probeCudaDevices();
  if (probe.devices > 0) GTEST_SKIP() << "a CUDA device is present: the gpu tests serve on it";
  const auto [status, message] = create({{"model", WHARF_ENGINE_FIXTURES_DIR}});
  EXPECT_EQ(status, WHARF_ERR_UNAVAILABLE);
  // wharfd's own prefix names the instance; the plugin's message says what is missing.
  EXPECT_EQ(message, "engine-cuda instance 'engine': " + probe.problem +
                         "; serve the model with engine-cpu here");
  EXPECT_NE(message.find("CUDA device"), std::string::npos);
}

TEST(EngineCudaPlugin, RefusesBadKeysBeforeTouchingTheDevice) {
  for (const char* bad : {"0", "1.5", "abc", ""}) {
    const auto [status, message] =
        create({{"model", WHARF_ENGINE_FIXTURES_DIR}, {"gpu_memory_utilization", bad}});
    EXPECT_EQ(status, WHARF_ERR_INVALID_ARGUMENT) << bad;
    EXPECT_NE(message.find("gpu_memory_utilization"), std::string::npos) << message;
  }
  const auto [status, message] =
      create({{"model", WHARF_ENGINE_FIXTURES_DIR}, {"tensor_parallel_size", "2"}});
  EXPECT_EQ(status, WHARF_ERR_UNSUPPORTED);
  EXPECT_NE(message.find("NCCL"), std::string::npos) << message;
}

}  // namespace

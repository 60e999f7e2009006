// Loads libwharf-engine-cuda.so as the host does (dlopen, wharf_plugin_init): it loads on any
// machine, driver or not, and create() stops with a message that says what is missing.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "engine/cuda/cuda_check.hpp"
#include "plugin_loader.hpp"
#include "wharf/plugin.h"

namespace {

struct Plugin {
  Plugin() {
    handle = dlopen(WHARF_ENGINE_CUDA_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    auto init = reinterpret_cast<const wharf_plugin* (*)(const wharf_host_api*)>(
        dlsym(handle, "wharf_plugin_init"));
    if (init) plugin = init(nullptr);
  }
  ~Plugin() {
    if (handle) dlclose(handle);
  }
  void* handle = nullptr;
  const wharf_plugin* plugin = nullptr;
};

// create() over `values` validated as wharfd validates them; returns the status and message.
std::pair<wharf_status, std::string> create(const Plugin& p,
                                            const std::map<std::string, std::string>& values) {
  try {
    wharf::test::PluginConfig cfg(*p.plugin, "engine", values);
    void* inst = nullptr;
    wharf_error* err = nullptr;
    wharf_status status = p.plugin->create(cfg.get(), nullptr, &inst, &err);
    std::string message = err && err->message ? err->message : "";
    if (err) err->release(err);
    if (inst) p.plugin->destroy(inst);
    return {status, message};
  } catch (const std::invalid_argument& e) {
    return {WHARF_ERR_INVALID_ARGUMENT, e.what()};
  }
}

TEST(EngineCudaPlugin, LoadsWithoutADriverAndDescribesItself) {
  Plugin p;
  ASSERT_NE(p.handle, nullptr) << dlerror();
  ASSERT_NE(p.plugin, nullptr);
  EXPECT_STREQ(p.plugin->name, "engine-cuda");
  EXPECT_EQ(p.plugin->kind, WHARF_KIND_ENGINE);
}

TEST(EngineCudaPlugin, CreateSaysWhatTheMachineLacks) {
  Plugin p;
  ASSERT_NE(p.plugin, nullptr) << dlerror();
  const wharf::engine::cuda::CudaProbe probe = wharf::engine::cuda::probeCudaDevices();
  if (probe.devices > 0) GTEST_SKIP() << "a CUDA device is present: the gpu tests serve on it";
  const auto [status, message] = create(p, {{"model", WHARF_ENGINE_FIXTURES_DIR}});
  EXPECT_EQ(status, WHARF_ERR_UNAVAILABLE);
  EXPECT_EQ(message, "engine-cuda: " + probe.problem + "; serve the model with engine-cpu here");
  EXPECT_NE(message.find("CUDA device"), std::string::npos);
}

TEST(EngineCudaPlugin, RefusesBadKeysBeforeTouchingTheDevice) {
  Plugin p;
  ASSERT_NE(p.plugin, nullptr) << dlerror();
  for (const char* bad : {"0", "1.5", "abc", ""}) {
    const auto [status, message] =
        create(p, {{"model", WHARF_ENGINE_FIXTURES_DIR}, {"gpu_memory_utilization", bad}});
    EXPECT_EQ(status, WHARF_ERR_INVALID_ARGUMENT) << bad;
    EXPECT_NE(message.find("gpu_memory_utilization"), std::string::npos) << message;
  }
  const auto [status, message] =
      create(p, {{"model", WHARF_ENGINE_FIXTURES_DIR}, {"tensor_parallel_size", "2"}});
  EXPECT_EQ(status, WHARF_ERR_UNSUPPORTED);
  EXPECT_NE(message.find("NCCL"), std::string::npos) << message;
}

}  // namespace

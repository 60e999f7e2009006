// Loading plugin modules and creating instances the way wharfd does, for plugin tests: dlopen
// (RTLD_NOW | RTLD_LOCAL), wharf_plugin_init, ABI checks, then create() with a wharf_config built
// from the plugin's declared keys (unknown keys refused, defaults filled, values normalised).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "test_host.hpp"
#include "wharf/plugin.h"

namespace wharf::test {

// Loads `path` once per process (modules are never unloaded) and returns its descriptor. Throws
// std::runtime_error naming the file when it cannot be loaded or its ABI does not match.
const wharf_plugin& loadPlugin(const std::string& path, const wharf_host_api* api);

// Normalises one value with the host's own validator (host/src/config/plugin_keys.cpp): BOOL ->
// "true"/"false", SIZE -> bytes, DURATION -> seconds, FILE/PATH checked, DIR created, ENUM and
// LIST checked. Throws std::invalid_argument on a malformed value.
std::string normaliseValue(const wharf_config_key& key, const std::string& value);

// A wharf_config for `plugin`: every declared key that is set or has a default, in declaration
// order. Throws std::invalid_argument on an unknown key or a missing required key. DIR keys are
// created when missing.
class PluginConfig {
 public:
  PluginConfig(const wharf_plugin& plugin, std::string instance,
               const std::map<std::string, std::string>& values, std::string data_dir = {});
  PluginConfig(const PluginConfig&) = delete;
  PluginConfig& operator=(const PluginConfig&) = delete;
  const wharf_config* get() const { return &config_; }

 private:
  std::string instance_;
  std::string data_dir_;
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<wharf_kv> items_;
  wharf_config config_{};
};

// One instance created through the plugin's create(); destroy() runs in the destructor.
class PluginInstance {
 public:
  // Throws wharf::Error with create()'s status and message.
  PluginInstance(const wharf_plugin& plugin, TestHost& host, const std::string& name,
                 const std::map<std::string, std::string>& values);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const wharf_plugin& plugin() const { return plugin_; }
  const std::string& name() const { return name_; }
  void* handle() const { return handle_; }

 private:
  const wharf_plugin& plugin_;
  std::string name_;
  void* handle_ = nullptr;
};

}  // namespace wharf::test

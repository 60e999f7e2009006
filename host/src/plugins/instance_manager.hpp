// Plugin instances: validates every [plugin.<instance>] section against its module's declared
// keys, orders instances so that those named by WHARF_KEY_INSTANCE keys come first, creates them
// in that order, looks them up by name, and destroys them in reverse.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/host_config.hpp"
#include "plugins/module_loader.hpp"

namespace wharf::host {

struct PluginInstance {
  std::string name;
  const LoadedModule* module = nullptr;
  std::vector<std::pair<std::string, std::string>> values;  // validated, normalised, with defaults
  std::vector<std::string> depends_on;
  std::string listener;  // for http services
  void* handle = nullptr;

  wharf_plugin_kind kind() const { return module->descriptor.kind; }
  const wharf_plugin& plugin() const { return module->descriptor; }
  bool isSecret(const std::string& key) const;
};

class InstanceManager {
 public:
  InstanceManager(const HostConfig& config, const IniSource& ini, ModuleLoader& loader);
  ~InstanceManager();

  // Loads the modules and validates every plugin section; fixes the creation order. Throws
  // ConfigError (naming section, key and line) or LoadError.
  void validate();
  // Creates every instance in dependency order; on failure destroys those created and throws
  // std::runtime_error naming the instance.
  void createAll(const wharf_host_api* api);
  // Destroys in reverse creation order.
  void destroyAll();

  wharf_status lookup(const std::string& name, wharf_plugin_kind kind, const void** table,
                      void** handle, std::string& error) const;
  // Instances whose health callback fails, with the message.
  std::vector<std::pair<std::string, std::string>> unhealthy() const;
  // Calls reload on every instance; returns failures.
  std::vector<std::pair<std::string, std::string>> reloadAll();

  const std::vector<PluginInstance>& instances() const { return instances_; }  // creation order

 private:
  const HostConfig& config_;
  const IniSource& ini_;
  ModuleLoader& loader_;
  std::vector<PluginInstance> instances_;
  size_t created_ = 0;
};

}  // namespace wharf::host

#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>

#include "config/plugin_keys.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::test {

const wharf_plugin& loadPlugin(const std::string& path, const wharf_host_api* api) {
  static std::mutex mu;
  static std::map<std::string, const wharf_plugin*> loaded;
  std::lock_guard lock(mu);
  if (auto it = loaded.find(path); it != loaded.end()) return *it->second;
  void* so = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!so) throw std::runtime_error("cannot load " + path + ": " + dlerror());
  auto init = reinterpret_cast<wharf_plugin_init_fn>(dlsym(so, WHARF_PLUGIN_INIT_SYMBOL));
  if (!init) throw std::runtime_error(path + " does not export " WHARF_PLUGIN_INIT_SYMBOL);
  const wharf_plugin* p = init(api);
  if (!p) throw std::runtime_error(path + ": wharf_plugin_init returned NULL");
  if (p->abi_major != WHARF_ABI_MAJOR || p->abi_minor > WHARF_ABI_MINOR)
    throw std::runtime_error(path + ": plugin ABI " + std::to_string(p->abi_major) + "." +
                             std::to_string(p->abi_minor) + ", test host ABI " +
                             std::to_string(WHARF_ABI_MAJOR) + "." +
                             std::to_string(WHARF_ABI_MINOR));
  if (p->struct_size < sizeof(wharf_plugin) || !p->create || !p->destroy || !p->table)
    throw std::runtime_error(path + ": incomplete plugin descriptor");
  loaded[path] = p;
  return *p;
}

std::string normaliseValue(const wharf_config_key& key, const std::string& value) {
  return host::normalizePluginValue(key, value);
}

PluginConfig::PluginConfig(const wharf_plugin& plugin, std::string instance,
                           const std::map<std::string, std::string>& values, std::string data_dir)
    : instance_(std::move(instance)), data_dir_(std::move(data_dir)) {
  std::map<std::string, const wharf_config_key*> declared;
  for (size_t i = 0; i < plugin.config_key_count; ++i)
    declared[plugin.config_keys[i].name] = &plugin.config_keys[i];
  for (auto& [k, v] : values)
    if (!declared.count(k))
      throw std::invalid_argument(std::string(plugin.name) + ": unknown key '" + k + "'");
  for (size_t i = 0; i < plugin.config_key_count; ++i) {
    const wharf_config_key& key = plugin.config_keys[i];
    auto it = values.find(key.name);
    std::string value;
    if (it != values.end()) {
      value = it->second;
    } else if (key.default_value) {
      value = key.default_value;
    } else if (key.flags & WHARF_KEY_REQUIRED) {
      throw std::invalid_argument(std::string(plugin.name) + ": missing key '" + key.name + "'");
    } else {
      continue;
    }
    value = normaliseValue(key, value);
    values_.emplace_back(key.name, std::move(value));
  }
  for (auto& [k, v] : values_) items_.push_back(wharf_kv{k.c_str(), v.c_str()});
  config_.struct_size = sizeof(wharf_config);
  config_.instance_name = instance_.c_str();
  config_.data_dir = data_dir_.c_str();
  config_.items = items_.data();
  config_.count = items_.size();
}

PluginInstance::PluginInstance(const wharf_plugin& plugin, TestHost& host, const std::string& name,
                               const std::map<std::string, std::string>& values)
    : plugin_(plugin), name_(name) {
  PluginConfig config(plugin, name, values);
  wharf_error* err = nullptr;
  wharf_status st = plugin.create(config.get(), host.api(), &handle_, &err);
  check(st, err, (std::string(plugin.name) + " instance '" + name + "'").c_str());
}

PluginInstance::~PluginInstance() {
  if (handle_) plugin_.destroy(handle_);
}

}  // namespace wharf::test

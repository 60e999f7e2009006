// Plugin-side machinery shared by every kind: the Instance base class, the descriptor and the
// lifecycle trampolines behind the WHARF_*_PLUGIN registration macros.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "wharf/cpp/config.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/host.hpp"
#include "wharf/plugin.h"

namespace wharf {

// Base of every plugin instance. Constructors take (const Config&, const Host&) and throw
// wharf::Error (or any std::exception) to fail start-up with a message.
class Instance {
 public:
  virtual ~Instance() = default;
  // Throw to report the instance unhealthy (/ready answers 503 with the message).
  virtual void health() {}
  // Re-read files on SIGHUP.
  virtual void reload() {}
  // An offline command (`wharfd gc ...`). Return false when this plugin has no such command;
  // write output lines with `out`; throw wharf::Error on failure.
  virtual bool runCommand(const std::string& /*command*/, const std::vector<std::string>& /*args*/,
                          const std::function<void(const std::string&)>& /*out*/) {
    return false;
  }
};

namespace detail {

template <size_t N>
constexpr size_t keyCount(const wharf_config_key (&)[N]) {
  return N;
}
constexpr size_t keyCount(std::nullptr_t) { return 0; }
template <size_t N>
constexpr const wharf_config_key* keyData(const wharf_config_key (&keys)[N]) {
  return keys;
}
constexpr const wharf_config_key* keyData(std::nullptr_t) { return nullptr; }

// `Base` is the kind's base class: the void* instance handle is always a Base*.
template <class T, class Base>
wharf_plugin makeDescriptor(wharf_plugin_kind kind, const char* name, const char* version,
                            const char* description, const wharf_config_key* keys, size_t key_count,
                            const void* table) {
  wharf_plugin p{};
  p.abi_major = WHARF_ABI_MAJOR;
  p.abi_minor = WHARF_ABI_MINOR;
  p.struct_size = sizeof(wharf_plugin);
  p.kind = kind;
  p.name = name;
  p.version = version;
  p.description = description;
  p.config_keys = keys;
  p.config_key_count = key_count;
  p.create = [](const wharf_config* cfg, const wharf_host_api* host, void** instance,
                wharf_error** err) -> wharf_status {
    return guard(err, [&] {
      Config config(cfg);
      Host h(host, config.instance());
      Base* obj = new T(config, h);
      *instance = obj;
    });
  };
  p.destroy = [](void* instance) { delete static_cast<Base*>(instance); };
  p.health = [](void* instance, wharf_error** err) -> wharf_status {
    return guard(err, [&] { static_cast<Base*>(instance)->health(); });
  };
  p.reload = [](void* instance, wharf_error** err) -> wharf_status {
    return guard(err, [&] { static_cast<Base*>(instance)->reload(); });
  };
  p.table = table;
  p.run_command = [](void* instance, const char* command, const char* const* args, size_t n,
                     wharf_string_fn out, void* out_ctx, wharf_error** err) -> wharf_status {
    bool supported = false;
    wharf_status st = guard(err, [&] {
      std::vector<std::string> a;
      for (size_t i = 0; i < n; ++i) a.emplace_back(args[i] ? args[i] : "");
      supported = static_cast<Base*>(instance)->runCommand(
          command ? command : "", a, [&](const std::string& line) { out(out_ctx, line.c_str()); });
    });
    if (st == WHARF_OK && !supported) {
      storeError(err, WHARF_ERR_UNSUPPORTED, "no such command");
      return WHARF_ERR_UNSUPPORTED;
    }
    // UNSUPPORTED means "no such command" to the host: a command that exists and refuses its
    // input (e.g. a model it cannot read) reports INVALID_ARGUMENT, with its message.
    if (st == WHARF_ERR_UNSUPPORTED) {
      if (err && *err) (*err)->code = WHARF_ERR_INVALID_ARGUMENT;
      return WHARF_ERR_INVALID_ARGUMENT;
    }
    return st;
  };
  return p;
}

}  // namespace detail
}  // namespace wharf

// Defines the exported entry point for plugin class `Class` of kind base `Base`.
#define WHARF_PLUGIN_ENTRY(Class, Base, KIND, Name, Version, Description, Keys)          \
  extern "C" WHARF_EXPORT const wharf_plugin* wharf_plugin_init(const wharf_host_api*) { \
    static const wharf_plugin plugin = ::wharf::detail::makeDescriptor<Class, Base>(     \
        KIND, Name, Version, Description, ::wharf::detail::keyData(Keys),                \
        ::wharf::detail::keyCount(Keys), Base::table());                                 \
    return &plugin;                                                                      \
  }

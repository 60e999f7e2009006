#include "plugins/instance_manager.hpp"

#include <functional>
#include <set>
#include <stdexcept>

#include "config/plugin_keys.hpp"
#include "logging/logging.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::host {

bool PluginInstance::isSecret(const std::string& key) const {
  const wharf_plugin& p = plugin();
  for (size_t i = 0; i < p.config_key_count; ++i)
    if (key == p.config_keys[i].name) return (p.config_keys[i].flags & WHARF_KEY_SECRET) != 0;
  return looksSecret(key);
}

InstanceManager::InstanceManager(const HostConfig& config, const IniSource& ini,
                                 ModuleLoader& loader)
    : config_(config), ini_(ini), loader_(loader) {}

InstanceManager::~InstanceManager() { destroyAll(); }

void InstanceManager::validate() {
  std::vector<PluginInstance> found;
  std::map<std::string, size_t> index;
  for (auto& section : config_.plugins) {
    const std::string sec = "plugin." + section.instance;
    PluginInstance inst;
    inst.name = section.instance;
    try {
      inst.module = &loader_.load(section.module);
    } catch (const LoadError& e) {
      throw ini_.error(sec, "module", e.what());
    }
    const wharf_plugin& p = inst.plugin();
    std::map<std::string, const wharf_config_key*> declared;
    for (size_t i = 0; i < p.config_key_count; ++i)
      declared[p.config_keys[i].name] = &p.config_keys[i];
    const bool is_http = p.kind == WHARF_KIND_HTTP_SERVICE;

    std::set<std::string> given;
    for (auto& [key, raw] : section.entries) {
      given.insert(key);
      if (is_http && key == "listener" && !declared.count(key)) {
        if (!config_.listener(raw)) throw ini_.error(sec, key, "no [listener." + raw + "] section");
        inst.listener = raw;
        continue;
      }
      auto it = declared.find(key);
      if (it == declared.end()) {
        std::string known = is_http ? "listener" : "";
        for (auto& [k, _] : declared) known += (known.empty() ? "" : ", ") + k;
        throw ini_.error(sec, key,
                         "unknown key for module " + section.module +
                             " (known: " + (known.empty() ? "none" : known) + ")");
      }
      const wharf_config_key& spec = *it->second;
      std::string value;
      try {
        value = normalizePluginValue(spec, raw);
      } catch (const std::invalid_argument& e) {
        throw ini_.error(sec, key, e.what());
      }
      if (spec.type == WHARF_KEY_INSTANCE) {
        for (auto& ref : splitList(value)) {
          if (!config_.plugin(ref)) throw ini_.error(sec, key, "no [plugin." + ref + "] section");
          if (ref == inst.name) throw ini_.error(sec, key, "an instance cannot depend on itself");
          inst.depends_on.push_back(ref);
        }
      }
      if (spec.type == WHARF_KEY_LISTENER) {
        if (!config_.listener(value))
          throw ini_.error(sec, key, "no [listener." + value + "] section");
        if (key == "listener") inst.listener = value;
      }
      inst.values.emplace_back(key, value);
    }
    for (auto& [name, spec] : declared) {
      if (given.count(name)) continue;
      if (spec->default_value) {
        try {
          inst.values.emplace_back(name, normalizePluginValue(*spec, spec->default_value));
        } catch (const std::invalid_argument& e) {
          throw ini_.error(sec, name, std::string("default value: ") + e.what());
        }
      } else if (spec->flags & WHARF_KEY_REQUIRED) {
        throw ini_.error(sec, name,
                         std::string("missing required key (") + keyTypeName(spec->type) +
                             (spec->help ? std::string(": ") + spec->help : std::string()) + ")");
      }
    }
    if (is_http && inst.listener.empty())
      throw ini_.error(sec, "listener",
                       "missing required key: the [listener.<name>] this service answers on");
    index[inst.name] = found.size();
    found.push_back(std::move(inst));
  }

  // Kinds of referenced instances.
  for (auto& inst : found) {
    const wharf_plugin& p = inst.plugin();
    for (size_t i = 0; i < p.config_key_count; ++i) {
      const wharf_config_key& spec = p.config_keys[i];
      if (spec.type != WHARF_KEY_INSTANCE || spec.ref_kind == 0) continue;
      for (auto& [key, value] : inst.values) {
        if (key != spec.name) continue;
        for (auto& ref : splitList(value)) {
          const PluginInstance& target = found[index[ref]];
          if (target.kind() != spec.ref_kind)
            throw ini_.error("plugin." + inst.name, key,
                             "instance '" + ref + "' is a " + wharf_kind_name(target.kind()) +
                                 " plugin, expected " + wharf_kind_name(spec.ref_kind));
        }
      }
    }
  }

  // Topological order, stable with respect to the file order; cycles are errors.
  std::vector<size_t> ordered;
  std::vector<int> state(found.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<std::string> chain;
  std::function<void(size_t)> visit = [&](size_t i) {
    if (state[i] == 2) return;
    chain.push_back(found[i].name);
    if (state[i] == 1) {
      std::string path;
      for (auto& c : chain) path += (path.empty() ? "" : " -> ") + c;
      throw ini_.error("plugin." + found[i].name, "", "dependency cycle: " + path);
    }
    state[i] = 1;
    for (auto& dep : found[i].depends_on) visit(index[dep]);
    state[i] = 2;
    chain.pop_back();
    ordered.push_back(i);
  };
  for (size_t i = 0; i < found.size(); ++i) visit(i);
  instances_.clear();
  for (size_t i : ordered) instances_.push_back(std::move(found[i]));
}

void InstanceManager::createAll(const wharf_host_api* api) {
  for (auto& inst : instances_) {
    std::vector<wharf_kv> kvs;
    for (auto& [k, v] : inst.values) kvs.push_back({k.c_str(), v.c_str()});
    if (!inst.listener.empty()) kvs.push_back({"listener", inst.listener.c_str()});
    wharf_config cfg{};
    cfg.struct_size = sizeof(cfg);
    cfg.instance_name = inst.name.c_str();
    cfg.data_dir = config_.data_dir.c_str();
    cfg.items = kvs.data();
    cfg.count = kvs.size();
    wharf_error* err = nullptr;
    void* handle = nullptr;
    wharf_status st = inst.plugin().create(&cfg, api, &handle, &err);
    if (st != WHARF_OK) {
      std::string msg = err && err->message ? err->message : wharf_status_name(st);
      wharf_error_release(err);
      destroyAll();
      throw std::runtime_error("[plugin." + inst.name + "] (module " + inst.module->name +
                               "): start-up failed: " + msg);
    }
    inst.handle = handle;
    ++created_;
    hostLogger().information("created instance '" + inst.name + "' (" +
                             wharf_kind_name(inst.kind()) + " " + inst.module->name + " " +
                             inst.plugin().version + ")");
  }
}

void InstanceManager::destroyAll() {
  while (created_ > 0) {
    PluginInstance& inst = instances_[--created_];
    if (inst.handle) inst.plugin().destroy(inst.handle);
    inst.handle = nullptr;
  }
}

wharf_status InstanceManager::lookup(const std::string& name, wharf_plugin_kind kind,
                                     const void** table, void** handle, std::string& error) const {
  for (size_t i = 0; i < created_; ++i) {
    const PluginInstance& inst = instances_[i];
    if (inst.name != name) continue;
    if (kind != 0 && inst.kind() != kind) {
      error = "instance '" + name + "' is a " + wharf_kind_name(inst.kind()) + " plugin, not " +
              wharf_kind_name(kind);
      return WHARF_ERR_INVALID_ARGUMENT;
    }
    *table = inst.module->kindTable();
    *handle = inst.handle;
    return WHARF_OK;
  }
  error = "no live instance '" + name + "' (instances are created in dependency order)";
  return WHARF_ERR_NOT_FOUND;
}

std::vector<std::pair<std::string, std::string>> InstanceManager::unhealthy() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < created_; ++i) {
    const PluginInstance& inst = instances_[i];
    const wharf_plugin& p = inst.plugin();
    if (!p.health) continue;
    wharf_error* err = nullptr;
    wharf_status st = p.health(inst.handle, &err);
    if (st != WHARF_OK)
      out.emplace_back(inst.name, err && err->message ? err->message : wharf_status_name(st));
    wharf_error_release(err);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> InstanceManager::reloadAll() {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < created_; ++i) {
    const PluginInstance& inst = instances_[i];
    const wharf_plugin& p = inst.plugin();
    if (!p.reload) continue;
    wharf_error* err = nullptr;
    wharf_status st = p.reload(inst.handle, &err);
    if (st != WHARF_OK)
      out.emplace_back(inst.name, err && err->message ? err->message : wharf_status_name(st));
    wharf_error_release(err);
  }
  return out;
}

}  // namespace wharf::host

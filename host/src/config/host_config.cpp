#include "config/host_config.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "config/host_keys.hpp"
#include "wharf/cpp/secret_file.hpp"

namespace wharf::host {

const ListenerConfig* HostConfig::listener(const std::string& name) const {
  for (auto& l : listeners)
    if (l.name == name) return &l;
  return nullptr;
}

const PluginSection* HostConfig::plugin(const std::string& instance) const {
  for (auto& p : plugins)
    if (p.instance == instance) return &p;
  return nullptr;
}

bool isValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

namespace {

const std::set<std::string> kLogLevels = {"trace",   "debug", "information", "info",  "notice",
                                          "warning", "error", "critical",    "fatal", "none"};

// Runs `fn` and turns std::invalid_argument into a ConfigError at section/key.
template <class Fn>
auto at(const IniSource& ini, const std::string& section, const std::string& key, Fn&& fn) {
  try {
    return fn();
  } catch (const std::invalid_argument& e) {
    throw ini.error(section, key, e.what());
  }
}

int positiveInt(const IniSource& ini, const std::string& s, const std::string& k,
                const std::string& v, int min_value) {
  return at(ini, s, k, [&] {
    int64_t n = parseInt(v);
    if (n < min_value || n > 1'000'000)
      throw std::invalid_argument("must be between " + std::to_string(min_value) + " and 1000000");
    return static_cast<int>(n);
  });
}

// The section's value of every key of `table`: the configured one, else the table's default (keys
// with neither are left out), so that defaults live in the table alone. Unknown keys are refused,
// naming the known ones.
std::vector<std::pair<std::string, std::string>> withDefaults(
    const IniSource& ini, const IniSource::Section& s, const std::vector<wharf_config_key>& table) {
  for (auto& [key, value] : s.entries) {
    if (findKey(table, key)) continue;
    std::string known;
    for (auto& k : table) known += (known.empty() ? "" : ", ") + std::string(k.name);
    throw ini.error(s.name, key, "unknown key (known: " + known + ")");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& k : table) {
    auto given = std::find_if(s.entries.begin(), s.entries.end(),
                              [&](const auto& e) { return e.first == k.name; });
    if (given != s.entries.end())
      out.emplace_back(k.name, given->second);
    else if (k.default_value)
      out.emplace_back(k.name, k.default_value);
  }
  return out;
}

void parseHostSection(const IniSource& ini, const IniSource::Section& s, HostConfig& cfg) {
  for (auto& [key, value] : withDefaults(ini, s, hostKeyTable())) {
    if (key == "plugin_path") {
      cfg.plugin_path = splitList(value, ':');
    } else if (key == "data_dir") {
      if (value.empty()) throw ini.error(s.name, key, "must not be empty");
      cfg.data_dir = value;
    } else if (key == "log_level") {
      std::string lv = toLower(value);
      if (!kLogLevels.count(lv))
        throw ini.error(
            s.name, key,
            "unknown level '" + value + "' (trace, debug, info, warning, error, fatal, none)");
      cfg.log_level = lv == "info" ? "information" : lv;
    } else if (key == "log_format") {
      std::string f = toLower(value);
      if (f == "text")
        cfg.log_format = LogFormat::Text;
      else if (f == "json")
        cfg.log_format = LogFormat::Json;
      else
        throw ini.error(s.name, key, "expected 'text' or 'json', got '" + value + "'");
    } else if (key == "log_file") {
      cfg.log_file = value;
    } else if (key == "metrics_listener") {
      cfg.metrics_listener = value;
    } else if (key == "admin_listener") {
      cfg.admin_listener = value;
    } else if (key == "admin_token_file") {
      cfg.admin_token_file = value;
    } else if (key == "drain_timeout") {
      cfg.drain_timeout = at(ini, s.name, key, [&] { return parseDuration(value); });
    }
  }
}

ListenerConfig parseListener(const IniSource& ini, const IniSource::Section& s,
                             const std::string& name) {
  ListenerConfig l;
  l.name = name;
  bool has_bind = false;
  std::string tls = "";
  for (auto& [key, value] : withDefaults(ini, s, listenerKeyTable())) {
    if (key == "bind") {
      l.bind = at(ini, s.name, key, [&] { return parseEndpoint(value); });
      has_bind = true;
    } else if (key == "tls") {
      tls = toLower(value);
      if (tls != "off" && tls != "self-signed" && tls != "on" && tls != "false" && tls != "true")
        throw ini.error(s.name, key,
                        "expected 'off', 'on' (with tls_cert and tls_key) or 'self-signed'");
    } else if (key == "tls_cert") {
      l.tls_cert = value;
    } else if (key == "tls_key") {
      l.tls_key = value;
    } else if (key == "tls_min_version") {
      if (value != "1.2" && value != "1.3") throw ini.error(s.name, key, "expected 1.2 or 1.3");
      l.tls_min_version = value;
    } else if (key == "allow") {
      l.allow = at(ini, s.name, key, [&] { return CidrList::parse(value); });
      l.allow_text = value;
    } else if (key == "min_threads") {
      l.min_threads = positiveInt(ini, s.name, key, value, 1);
    } else if (key == "max_threads") {
      l.max_threads = positiveInt(ini, s.name, key, value, 1);
    } else if (key == "max_queued") {
      l.max_queued = positiveInt(ini, s.name, key, value, 1);
    } else if (key == "max_connections") {
      l.max_connections = positiveInt(ini, s.name, key, value, 0);
    } else if (key == "max_connections_per_client") {
      l.max_connections_per_client = positiveInt(ini, s.name, key, value, 0);
    } else if (key == "header_timeout") {
      l.header_timeout = at(ini, s.name, key, [&] { return parseDuration(value); });
      if (l.header_timeout <= 0) throw ini.error(s.name, key, "must be more than 0");
    } else if (key == "keep_alive") {
      l.keep_alive = at(ini, s.name, key, [&] { return parseBool(value); });
    } else if (key == "idle_timeout") {
      l.idle_timeout = at(ini, s.name, key, [&] { return parseDuration(value); });
    } else if (key == "request_timeout") {
      l.request_timeout = at(ini, s.name, key, [&] { return parseDuration(value); });
    } else if (key == "max_keep_alive_requests") {
      l.max_keep_alive_requests = positiveInt(ini, s.name, key, value, 0);
    } else if (key == "max_header_fields") {
      l.max_header_fields = positiveInt(ini, s.name, key, value, 1);
    } else if (key == "max_header_bytes") {
      l.max_header_bytes = at(ini, s.name, key, [&] { return parseSize(value); });
      if (l.max_header_bytes == 0) throw ini.error(s.name, key, "must be more than 0");
    } else if (key == "max_body") {
      l.max_body = at(ini, s.name, key, [&] { return parseSize(value); });
    } else if (key == "access_log") {
      l.access_log = value.empty() ? "off" : value;
    }
  }
  if (!has_bind)
    throw ini.error(s.name, "bind", "missing required key (e.g. bind = 127.0.0.1:5000)");
  if (l.min_threads > l.max_threads)
    throw ini.error(s.name, "min_threads",
                    "greater than max_threads (" + std::to_string(l.max_threads) + ")");
  bool has_files = !l.tls_cert.empty() || !l.tls_key.empty();
  if (tls == "self-signed") {
    if (has_files) throw ini.error(s.name, "tls", "'self-signed' excludes tls_cert and tls_key");
    l.tls = TlsMode::SelfSigned;
  } else if (tls == "off" || tls == "false") {
    if (has_files) throw ini.error(s.name, "tls", "tls = off but tls_cert/tls_key are set");
  } else if (has_files || tls == "on" || tls == "true") {
    if (l.tls_cert.empty())
      throw ini.error(s.name, "tls_cert", "missing (needed with tls_key or tls = on)");
    if (l.tls_key.empty())
      throw ini.error(s.name, "tls_key", "missing (needed with tls_cert or tls = on)");
    l.tls = TlsMode::Files;
  }
  return l;
}

}  // namespace

HostConfig parseHostConfig(const IniSource& ini) {
  HostConfig cfg;
  cfg.file = ini.path();
  if (!ini.find("host")) parseHostSection(ini, IniSource::Section{"host", 0, {}, {}}, cfg);
  for (auto& s : ini.sections()) {
    if (s.name == "host") {
      parseHostSection(ini, s, cfg);
    } else if (s.name.rfind("listener.", 0) == 0) {
      std::string name = s.name.substr(9);
      if (!isValidName(name))
        throw ini.error(s.name, "", "invalid listener name (letters, digits, '-' and '_')");
      cfg.listeners.push_back(parseListener(ini, s, name));
    } else if (s.name.rfind("plugin.", 0) == 0) {
      PluginSection p;
      p.instance = s.name.substr(7);
      if (!isValidName(p.instance))
        throw ini.error(s.name, "", "invalid instance name (letters, digits, '-' and '_')");
      for (auto& [key, value] : s.entries) {
        if (key == "module")
          p.module = value;
        else
          p.entries.emplace_back(key, value);
      }
      if (p.module.empty())
        throw ini.error(s.name, "module",
                        "missing required key (the plugin module name, e.g. storage-fs)");
      cfg.plugins.push_back(std::move(p));
    } else {
      throw ini.error(
          s.name, "",
          "unknown section (expected [host], [listener.<name>] or [plugin.<instance>])");
    }
  }
  // Cross-checks.
  std::map<std::string, std::string> bound;
  for (auto& l : cfg.listeners) {
    std::string key = l.bind.str();
    if (bound.count(key))
      throw ini.error("listener." + l.name, "bind",
                      "address " + key + " already used by [listener." + bound[key] + "]");
    bound[key] = l.name;
  }
  // metrics_listener / admin_listener name a declared listener; when left at their defaults and
  // not declared, the host adds them on the standard ports (metrics :9100, admin 127.0.0.1:8080).
  struct Implicit {
    const char* key;
    std::string* name;
    const char* default_name;
    const char* bind;
  };
  for (Implicit imp :
       {Implicit{"metrics_listener", &cfg.metrics_listener, "metrics", "0.0.0.0:9100"},
        Implicit{"admin_listener", &cfg.admin_listener, "admin", "127.0.0.1:8080"}}) {
    if (*imp.name == "none" || cfg.listener(*imp.name)) continue;
    const auto* hs = ini.find("host");
    if (hs && hs->key_lines.count(imp.key))
      throw ini.error("host", imp.key, "no [listener." + *imp.name + "] section (or use 'none')");
    // The table's defaults, with a small pool: these listeners serve operators, not clients.
    ListenerConfig l = parseListener(ini,
                                     IniSource::Section{std::string("listener.") + imp.default_name,
                                                        0,
                                                        {{"bind", imp.bind},
                                                         {"min_threads", "1"},
                                                         {"max_threads", "16"},
                                                         {"max_connections", "256"}},
                                                        {}},
                                     imp.default_name);
    if (bound.count(l.bind.str()))
      throw ini.error("host", imp.key,
                      std::string("the default ") + imp.bind + " is taken by [listener." +
                          bound[l.bind.str()] + "]; set " + imp.key);
    cfg.listeners.push_back(l);
  }
  if (!cfg.admin_token_file.empty()) {
    try {
      readSecretFile(cfg.admin_token_file);
    } catch (const std::exception& e) {
      throw ini.error("host", "admin_token_file", e.what());
    }
  }
  for (auto& l : cfg.listeners) {
    for (const std::string* path : {&l.tls_cert, &l.tls_key}) {
      if (path->empty()) continue;
      FILE* f = std::fopen(path->c_str(), "r");
      if (!f)
        throw ini.error("listener." + l.name, path == &l.tls_cert ? "tls_cert" : "tls_key",
                        "cannot read '" + *path + "'");
      std::fclose(f);
    }
  }
  return cfg;
}

}  // namespace wharf::host

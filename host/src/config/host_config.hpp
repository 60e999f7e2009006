// The validated shape of a wharfd INI file: [host], [listener.<name>] and the raw
// [plugin.<instance>] sections (whose keys are validated against each plugin's declared keys by
// the instance manager, once the modules are loaded).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/ini_source.hpp"
#include "config/value_parsers.hpp"
#include "wharf/cpp/cidr.hpp"

namespace wharf::host {

enum class TlsMode { Off, Files, SelfSigned };
enum class LogFormat { Text, Json };

// Defaults: listenerKeyTable() (host_keys.cpp); parseHostConfig fills every field.
struct ListenerConfig {
  std::string name;
  Endpoint bind;
  TlsMode tls = TlsMode::Off;
  std::string tls_cert, tls_key;
  std::string tls_min_version;
  CidrList allow;
  std::string allow_text;
  int min_threads = 0;
  int max_threads = 0;
  int max_queued = 0;
  int max_connections = 0;             // 0 = unlimited
  int max_connections_per_client = 0;  // 0 = unlimited
  double header_timeout = 0;           // seconds for a request head to arrive
  bool keep_alive = false;
  double idle_timeout = 0;          // seconds a keep-alive connection may wait for a request
  double request_timeout = 0;       // seconds between bytes of a request or response
  int max_keep_alive_requests = 0;  // 0 = unlimited
  int max_header_fields = 0;
  uint64_t max_header_bytes = 0;  // request line + every header field
  uint64_t max_body = 0;          // bytes, 0 = unlimited
  std::string access_log;         // off | stdout | stderr | <file path>
};

struct PluginSection {
  std::string instance;  // from [plugin.<instance>]
  std::string module;
  std::vector<std::pair<std::string, std::string>> entries;  // every key except `module`
};

// Defaults: hostKeyTable() (host_keys.cpp); parseHostConfig fills every field.
struct HostConfig {
  std::string file;
  std::vector<std::string> plugin_path;
  std::string data_dir;
  std::string log_level;
  LogFormat log_format = LogFormat::Text;
  std::string log_file;          // "" = stderr
  std::string metrics_listener;  // "none" disables /metrics
  std::string admin_listener;    // "none" disables /admin
  std::string admin_token_file;
  double drain_timeout = 0;
  std::vector<ListenerConfig> listeners;
  std::vector<PluginSection> plugins;

  const ListenerConfig* listener(const std::string& name) const;
  const PluginSection* plugin(const std::string& instance) const;
};

// Validates [host] and [listener.*]; rejects unknown sections and keys. Throws ConfigError.
HostConfig parseHostConfig(const IniSource& ini);

bool isValidName(const std::string& name);

}  // namespace wharf::host

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

struct ListenerConfig {
  std::string name;
  Endpoint bind;
  TlsMode tls = TlsMode::Off;
  std::string tls_cert, tls_key;
  std::string tls_min_version = "1.2";
  CidrList allow;
  std::string allow_text;
  int min_threads = 4;
  int max_threads = 128;
  int max_queued = 512;
  bool keep_alive = true;
  double idle_timeout = 60;         // seconds a keep-alive connection may wait for a request
  double request_timeout = 300;     // seconds between bytes of a request or response
  int max_keep_alive_requests = 0;  // 0 = unlimited
  int max_header_fields = 100;
  uint64_t max_header_bytes = 64 * 1024;  // request line + every header field
  uint64_t max_body = 0;                  // bytes, 0 = unlimited
  std::string access_log = "off";         // off | stdout | stderr | <file path>
};

struct PluginSection {
  std::string instance;  // from [plugin.<instance>]
  std::string module;
  std::vector<std::pair<std::string, std::string>> entries;  // every key except `module`
};

struct HostConfig {
  std::string file;
  std::vector<std::string> plugin_path;
  std::string data_dir = "/var/lib/wharf";
  std::string log_level = "information";
  LogFormat log_format = LogFormat::Text;
  std::string log_file;                      // "" = stderr
  std::string metrics_listener = "metrics";  // "none" disables /metrics
  std::string admin_listener = "admin";      // "none" disables /admin
  std::string admin_token_file;
  double drain_timeout = 30;
  std::vector<ListenerConfig> listeners;
  std::vector<PluginSection> plugins;

  const ListenerConfig* listener(const std::string& name) const;
  const PluginSection* plugin(const std::string& instance) const;
};

// Validates [host] and [listener.*]; rejects unknown sections and keys. Throws ConfigError.
HostConfig parse_host_config(const IniSource& ini);

// Names of the host's own keys for documentation and redaction.
const std::vector<std::string>& host_keys();
const std::vector<std::string>& listener_keys();
bool is_valid_name(const std::string& name);

}  // namespace wharf::host

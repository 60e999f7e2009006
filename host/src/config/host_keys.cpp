#include "config/host_keys.hpp"

#include <string>

namespace wharf::host {

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

wharf_config_key key(const char* name, wharf_key_type type, const char* default_value,
                     const char* help, const char* choices = nullptr, uint32_t flags = 0) {
  return wharf_config_key{name, type, flags, kNoKind, default_value, choices, help};
}

}  // namespace

const std::vector<wharf_config_key>& hostKeyTable() {
  static const std::vector<wharf_config_key> keys = {
      key("plugin_path", WHARF_KEY_STRING, nullptr,
          "':'-separated directories searched first for libwharf-<module>.so"),
      key("data_dir", WHARF_KEY_STRING, "/var/lib/wharf", "state of the host and the plugins"),
      key("log_level", WHARF_KEY_ENUM, "information", "level of every logger",
          "trace|debug|information|info|notice|warning|error|critical|fatal|none"),
      key("log_format", WHARF_KEY_ENUM, "text", "text, or json (one object per line)", "text|json"),
      key("log_file", WHARF_KEY_STRING, nullptr, "a file instead of stderr"),
      key("metrics_listener", WHARF_KEY_STRING, "metrics",
          "listener serving /metrics (added on 0.0.0.0:9100 when undeclared; none = off)"),
      key("admin_listener", WHARF_KEY_STRING, "admin",
          "listener serving /admin (added on 127.0.0.1:8080 when undeclared; none = off)"),
      key("admin_token_file", WHARF_KEY_STRING, nullptr,
          "file holding the bearer token the admin listener requires", nullptr, WHARF_KEY_SECRET),
      key("drain_timeout", WHARF_KEY_DURATION, "30s",
          "SIGTERM waits this long for requests in flight, then ends them"),
  };
  return keys;
}

const std::vector<wharf_config_key>& listenerKeyTable() {
  static const std::vector<wharf_config_key> keys = {
      key("bind", WHARF_KEY_STRING, nullptr, "host:port, [ipv6]:port or :port", nullptr,
          WHARF_KEY_REQUIRED),
      key("tls", WHARF_KEY_ENUM, nullptr,
          "off, on (tls_cert and tls_key) or self-signed; on when tls_cert/tls_key are set",
          "off|on|self-signed|false|true"),
      key("tls_cert", WHARF_KEY_STRING, nullptr, "PEM certificate chain"),
      key("tls_key", WHARF_KEY_STRING, nullptr, "PEM private key"),
      key("tls_min_version", WHARF_KEY_ENUM, "1.2", "oldest TLS version accepted", "1.2|1.3"),
      key("allow", WHARF_KEY_STRING, nullptr, "comma-separated CIDR blocks (everyone when unset)"),
      key("min_threads", WHARF_KEY_INT, "4", "workers started up front"),
      key("max_threads", WHARF_KEY_INT, "512", "most requests served at once (one worker each)"),
      key("max_queued", WHARF_KEY_INT, "512",
          "complete requests waiting for a worker; more are answered 503"),
      key("max_connections", WHARF_KEY_INT, "16384",
          "open connections, idle or served (0 = unlimited); more are answered 503"),
      key("max_connections_per_client", WHARF_KEY_INT, "1024",
          "open connections from one address (0 = unlimited); more are answered 503"),
      key("header_timeout", WHARF_KEY_DURATION, "10s",
          "deadline for a request head, from accept (or from its first byte on a kept-alive "
          "connection); a partial head is answered 408"),
      key("keep_alive", WHARF_KEY_BOOL, "true", "HTTP keep-alive"),
      key("idle_timeout", WHARF_KEY_DURATION, "60s",
          "how long a keep-alive connection may wait for its next request"),
      key("request_timeout", WHARF_KEY_DURATION, "300s",
          "longest pause while reading a request or writing a response"),
      key("max_keep_alive_requests", WHARF_KEY_INT, "0", "requests per connection (0 = unlimited)"),
      key("max_header_fields", WHARF_KEY_INT, "100", "more header fields are answered 431"),
      key("max_header_bytes", WHARF_KEY_SIZE, "64K",
          "a larger request line and header in all are answered 431"),
      key("max_body", WHARF_KEY_SIZE, "0",
          "larger request bodies are answered 413 (0 = unlimited)"),
      key("access_log", WHARF_KEY_STRING, "off",
          "off, stdout, stderr or a file: a JSON line a request"),
  };
  return keys;
}

const wharf_config_key* findKey(const std::vector<wharf_config_key>& table,
                                const std::string& name) {
  for (auto& k : table)
    if (name == k.name) return &k;
  return nullptr;
}

}  // namespace wharf::host

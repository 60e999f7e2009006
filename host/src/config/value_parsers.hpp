// Parsers for INI values: booleans, sizes, durations, integers and endpoints. Each throws
// std::invalid_argument with a message suitable for a config error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::host {

bool parseBool(std::string_view v);
// Bytes: "512", "64K", "16M", "1G", "2T" (binary units, optional trailing 'B' / 'iB').
uint64_t parseSize(std::string_view v);
// Seconds: "30", "500ms", "30s", "5m", "2h", "1d".
double parseDuration(std::string_view v);
int64_t parseInt(std::string_view v);

struct Endpoint {
  std::string host;  // "0.0.0.0", "::", "127.0.0.1", "localhost"
  uint16_t port = 0;
  std::string str() const;
};
// "host:port", "[v6]:port" or ":port" (all IPv4 interfaces).
Endpoint parseEndpoint(std::string_view v);

std::string trim(std::string_view s);
std::vector<std::string> splitList(std::string_view v, char sep = ',');
std::string toLower(std::string_view s);

}  // namespace wharf::host

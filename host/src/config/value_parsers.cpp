#include "config/value_parsers.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace wharf::host {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> splitList(std::string_view v, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t next = v.find(sep, pos);
    if (next == std::string_view::npos) next = v.size();
    std::string item = trim(v.substr(pos, next - pos));
    if (!item.empty()) out.push_back(std::move(item));
    pos = next + 1;
  }
  return out;
}

bool parseBool(std::string_view raw) {
  std::string v = toLower(trim(raw));
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  throw std::invalid_argument("expected a boolean (true/false), got '" + std::string(raw) + "'");
}

int64_t parseInt(std::string_view raw) {
  std::string v = trim(raw);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size())
    throw std::invalid_argument("expected an integer, got '" + std::string(raw) + "'");
  return n;
}

namespace {

// Splits "123.5abc" into 123.5 and "abc".
std::pair<double, std::string> numberAndUnit(std::string_view raw, const char* what) {
  std::string v = trim(raw);
  size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
  if (i == 0)
    throw std::invalid_argument(std::string("expected ") + what + ", got '" + std::string(raw) +
                                "'");
  double n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + i, n);
  if (ec != std::errc() || p != v.data() + i)
    throw std::invalid_argument(std::string("expected ") + what + ", got '" + std::string(raw) +
                                "'");
  return {n, toLower(trim(std::string_view(v).substr(i)))};
}

}  // namespace

uint64_t parseSize(std::string_view raw) {
  auto [n, unit] = numberAndUnit(raw, "a size such as 64M");
  if (unit.size() == 3 && unit.ends_with("ib"))
    unit.resize(1);  // KiB
  else if (unit.size() == 2 && unit.back() == 'b')
    unit.resize(1);  // KB
  double mul = 1;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1024.0;
  else if (unit == "m")
    mul = 1024.0 * 1024;
  else if (unit == "g")
    mul = 1024.0 * 1024 * 1024;
  else if (unit == "t")
    mul = 1024.0 * 1024 * 1024 * 1024;
  else
    throw std::invalid_argument("unknown size unit in '" + std::string(raw) +
                                "' (use K, M, G or T)");
  double bytes = n * mul;
  if (bytes > 1.8e19) throw std::invalid_argument("size too large: '" + std::string(raw) + "'");
  return static_cast<uint64_t>(std::llround(bytes));
}

double parseDuration(std::string_view raw) {
  auto [n, unit] = numberAndUnit(raw, "a duration such as 30s");
  if (unit.empty() || unit == "s") return n;
  if (unit == "ms") return n / 1000.0;
  if (unit == "m" || unit == "min") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  throw std::invalid_argument("unknown duration unit in '" + std::string(raw) +
                              "' (use ms, s, m, h or d)");
}

std::string Endpoint::str() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Endpoint parseEndpoint(std::string_view raw) {
  std::string v = trim(raw);
  Endpoint ep;
  std::string port;
  if (!v.empty() && v[0] == '[') {
    size_t close = v.find(']');
    if (close == std::string::npos || close + 1 >= v.size() || v[close + 1] != ':')
      throw std::invalid_argument("expected [ipv6]:port, got '" + v + "'");
    ep.host = v.substr(1, close - 1);
    port = v.substr(close + 2);
  } else {
    size_t colon = v.rfind(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("expected host:port, got '" + v + "'");
    ep.host = v.substr(0, colon);
    if (ep.host.find(':') != std::string::npos)
      throw std::invalid_argument("IPv6 addresses need brackets: [" + ep.host + "]:port");
    port = v.substr(colon + 1);
  }
  if (ep.host.empty()) ep.host = "0.0.0.0";
  int64_t p = 0;
  try {
    p = parseInt(port);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("invalid port in '" + v + "'");
  }
  if (p < 0 || p > 65535) throw std::invalid_argument("port out of range in '" + v + "'");
  ep.port = static_cast<uint16_t>(p);
  return ep;
}

}  // namespace wharf::host

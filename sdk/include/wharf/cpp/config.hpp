// Read access to an instance's validated INI section (wharf_config).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wharf/cpp/error.hpp"
#include "wharf/plugin.h"

namespace wharf {

class Config {
 public:
  explicit Config(const wharf_config* c) {
    if (!c) return;
    instance_ = c->instance_name ? c->instance_name : "";
    data_dir_ = c->data_dir ? c->data_dir : "";
    for (size_t i = 0; i < c->count; ++i) values_[c->items[i].key] = c->items[i].value;
  }
  Config(std::string instance, std::map<std::string, std::string> values, std::string data_dir = {})
      : instance_(std::move(instance)),
        data_dir_(std::move(data_dir)),
        values_(std::move(values)) {}

  const std::string& instance() const { return instance_; }
  const std::string& dataDir() const { return data_dir_; }
  const std::map<std::string, std::string>& values() const { return values_; }

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  std::optional<std::string> get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  std::string str(const std::string& key, const std::string& fallback = {}) const {
    return get(key).value_or(fallback);
  }
  std::string required(const std::string& key) const {
    auto v = get(key);
    if (!v)
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "missing key '" + key + "' in [plugin." + instance_ +
                                                  "] (the host fills in every default)");
    return *v;
  }
  // The one-argument accessors read a key that the host always fills in: one with a default in
  // the plugin's key table (the only place a default is declared) or a required one. A missing
  // value there is a bug (or a caller that bypassed the host's validation) and throws. The
  // two-argument forms are for optional keys without a default.
  //
  // Integer (also for SIZE and DURATION keys, which the host normalises to a number; a DURATION
  // below a second has a fraction and is an error here: read it with number()).
  int64_t integer(const std::string& key) const { return parseInteger(key, required(key)); }
  int64_t integer(const std::string& key, int64_t fallback) const {
    auto v = get(key);
    return !v || v->empty() ? fallback : parseInteger(key, *v);
  }
  double number(const std::string& key) const { return parseNumber(key, required(key)); }
  double number(const std::string& key, double fallback) const {
    auto v = get(key);
    return !v || v->empty() ? fallback : parseNumber(key, *v);
  }
  bool boolean(const std::string& key) const { return required(key) == "true"; }
  bool boolean(const std::string& key, bool fallback) const {
    auto v = get(key);
    return v ? *v == "true" : fallback;
  }
  // Comma-separated list, items trimmed, empty items dropped.
  std::vector<std::string> list(const std::string& key) const {
    std::vector<std::string> out;
    auto v = get(key);
    if (!v) return out;
    size_t pos = 0;
    while (pos <= v->size()) {
      size_t comma = v->find(',', pos);
      if (comma == std::string::npos) comma = v->size();
      std::string item = v->substr(pos, comma - pos);
      size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
      if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
      pos = comma + 1;
    }
    return out;
  }

 private:
  static int64_t parseInteger(const std::string& key, const std::string& v) {
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0')
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "key '" + key + "' is not an integer: '" + v + "'");
    return n;
  }
  static double parseNumber(const std::string& key, const std::string& v) {
    char* end = nullptr;
    double n = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0')
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "key '" + key + "' is not a number: '" + v + "'");
    return n;
  }

  std::string instance_;
  std::string data_dir_;
  std::map<std::string, std::string> values_;
};

}  // namespace wharf

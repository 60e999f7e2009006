#include "config/plugin_keys.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "config/value_parsers.hpp"

namespace fs = std::filesystem;

namespace wharf::host {

const char* keyTypeName(wharf_key_type type) {
  switch (type) {
    case WHARF_KEY_STRING:
      return "string";
    case WHARF_KEY_INT:
      return "integer";
    case WHARF_KEY_BOOL:
      return "boolean";
    case WHARF_KEY_SIZE:
      return "size";
    case WHARF_KEY_DURATION:
      return "duration";
    case WHARF_KEY_FILE:
      return "file";
    case WHARF_KEY_DIR:
      return "directory";
    case WHARF_KEY_INSTANCE:
      return "instance";
    case WHARF_KEY_LISTENER:
      return "listener";
    case WHARF_KEY_ENUM:
      return "enum";
    case WHARF_KEY_PATH:
      return "path";
  }
  return "value";
}

bool looksSecret(const std::string& key) {
  for (const char* word : {"password", "secret", "token", "credential", "private"})
    if (key.find(word) != std::string::npos) return true;
  return false;
}

namespace {

std::string formatNumber(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);  // 0.5, not to_string's 0.500000
  return buf;
}

std::string normalizeOne(const wharf_config_key& key, const std::string& v) {
  switch (key.type) {
    case WHARF_KEY_STRING:
    case WHARF_KEY_INSTANCE:
    case WHARF_KEY_LISTENER:
      return v;
    case WHARF_KEY_INT:
      return std::to_string(parseInt(v));
    case WHARF_KEY_BOOL:
      return parseBool(v) ? "true" : "false";
    case WHARF_KEY_SIZE:
      return std::to_string(parseSize(v));
    case WHARF_KEY_DURATION:
      return formatNumber(parseDuration(v));
    case WHARF_KEY_FILE: {
      std::error_code ec;
      if (!fs::exists(v, ec)) throw std::invalid_argument("file '" + v + "' does not exist");
      if (fs::is_directory(v, ec))
        throw std::invalid_argument("'" + v + "' is a directory, expected a file");
      std::ifstream probe(v);
      if (!probe) throw std::invalid_argument("file '" + v + "' is not readable");
      return v;
    }
    case WHARF_KEY_PATH: {
      std::error_code ec;
      if (!fs::exists(v, ec)) throw std::invalid_argument("path '" + v + "' does not exist");
      if (fs::is_directory(v, ec)) {
        fs::directory_iterator probe(v, ec);
        if (ec) throw std::invalid_argument("directory '" + v + "' is not readable");
        return v;
      }
      std::ifstream probe(v);
      if (!probe) throw std::invalid_argument("file '" + v + "' is not readable");
      return v;
    }
    case WHARF_KEY_DIR: {
      std::error_code ec;
      if (fs::exists(v, ec) && !fs::is_directory(v, ec))
        throw std::invalid_argument("'" + v + "' exists and is not a directory");
      fs::create_directories(v, ec);
      if (ec) throw std::invalid_argument("cannot create directory '" + v + "': " + ec.message());
      return v;
    }
    case WHARF_KEY_ENUM: {
      std::string choices = key.choices ? key.choices : "";
      for (auto& c : splitList(choices, '|'))
        if (c == v) return v;
      throw std::invalid_argument("'" + v + "' is not one of " + choices);
    }
  }
  throw std::invalid_argument("unknown key type");
}

}  // namespace

std::string normalizePluginValue(const wharf_config_key& key, const std::string& raw) {
  if (!(key.flags & WHARF_KEY_LIST)) return normalizeOne(key, trim(raw));
  std::string out;
  for (auto& item : splitList(raw)) out += (out.empty() ? "" : ", ") + normalizeOne(key, item);
  return out;
}

}  // namespace wharf::host

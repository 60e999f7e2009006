#include "config/ini_source.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/IniFileConfiguration.h>

#include <fstream>
#include <set>

#include "config/value_parsers.hpp"

namespace wharf::host {

const IniSource::Section* IniSource::find(const std::string& name) const {
  for (auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

ConfigError IniSource::error(const std::string& section, const std::string& key,
                             const std::string& message) const {
  int line = 0;
  if (const Section* s = find(section)) {
    line = s->line;
    if (auto it = s->key_lines.find(key); it != s->key_lines.end()) line = it->second;
  }
  return ConfigError(path_, line, section, key, message);
}

IniSource IniSource::load(const std::string& path) {
  IniSource src;
  src.path_ = path;
  std::ifstream in(path);
  if (!in) throw ConfigError(path, 0, "", "", "cannot open the configuration file");

  // Pass 1: the structure with line numbers (the same grammar Poco accepts: ';' starts a comment
  // line, '[section]', 'key = value').
  std::string raw;
  int line_no = 0;
  Section* current = nullptr;
  std::set<std::string> seen;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = trim(raw);
    if (line.empty() || line[0] == ';' || line[0] == '#') continue;
    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string::npos)
        throw ConfigError(path, line_no, "", "", "malformed section header '" + line + "'");
      std::string name = trim(line.substr(1, close - 1));
      if (name.empty()) throw ConfigError(path, line_no, "", "", "empty section name");
      if (!seen.insert(name).second)
        throw ConfigError(path, line_no, name, "", "duplicate section (first defined earlier)");
      src.sections_.push_back(Section{name, line_no, {}, {}});
      current = &src.sections_.back();
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      throw ConfigError(path, line_no, current ? current->name : "", "",
                        "expected 'key = value', got '" + line + "'");
    if (!current) throw ConfigError(path, line_no, "", "", "key outside of any [section]");
    std::string key = trim(line.substr(0, eq));
    if (key.empty()) throw ConfigError(path, line_no, current->name, "", "empty key");
    if (current->key_lines.count(key))
      throw ConfigError(path, line_no, current->name, key, "duplicate key");
    current->key_lines[key] = line_no;
    current->entries.emplace_back(key, "");
  }

  // Pass 2: the values, through Poco.
  Poco::AutoPtr<Poco::Util::IniFileConfiguration> ini;
  try {
    ini = new Poco::Util::IniFileConfiguration(path);
  } catch (const Poco::Exception& e) {
    throw ConfigError(path, 0, "", "", e.displayText());
  }
  for (auto& s : src.sections_)
    for (auto& [key, value] : s.entries) value = trim(ini->getRawString(s.name + "." + key, ""));
  return src;
}

}  // namespace wharf::host

// An INI file read with Poco's IniFileConfiguration, plus the line number of every section and
// key (Poco does not keep them) so that errors can point at the line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config_error.hpp"

namespace wharf::host {

class IniSource {
 public:
  struct Section {
    std::string name;  // "host", "listener.api", "plugin.fs"
    int line = 0;
    std::vector<std::pair<std::string, std::string>> entries;  // in file order
    std::map<std::string, int> key_lines;
  };

  // Throws ConfigError when the file is missing or unreadable, or has a malformed or duplicate
  // section or key.
  static IniSource load(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<Section>& sections() const { return sections_; }
  const Section* find(const std::string& name) const;

  ConfigError error(const std::string& section, const std::string& key,
                    const std::string& message) const;

 private:
  std::string path_;
  std::vector<Section> sections_;
};

}  // namespace wharf::host

// A configuration problem, reported as one line naming the file, line, section and key.
#pragma once

#include <stdexcept>
#include <string>

namespace wharf::host {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, int line, const std::string& section, const std::string& key,
              const std::string& message)
      : std::runtime_error(format(file, line, section, key, message)) {}

  static std::string format(const std::string& file, int line, const std::string& section,
                            const std::string& key, const std::string& message) {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line);
    if (!out.empty()) out += ": ";
    if (!section.empty()) out += "[" + section + "]";
    if (!key.empty()) out += " " + key;
    if (!section.empty() || !key.empty()) out += ": ";
    return out + message;
  }
};

}  // namespace wharf::host

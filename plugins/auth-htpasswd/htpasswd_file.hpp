// An htpasswd file: "user:hash" lines. Only bcrypt hashes are accepted (as distribution does);
// other lines are reported and skipped.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace wharf::auth {

struct HtpasswdFile {
  std::unordered_map<std::string, std::string> users;  // user -> bcrypt hash
  std::vector<std::string> warnings;
  int cost = 10;  // the highest cost of its hashes, used for the dummy hash

  static HtpasswdFile parse(const std::string& text);
  // Throws std::runtime_error when the file cannot be read, or has lines and none is valid.
  static HtpasswdFile load(const std::string& path);
};

}  // namespace wharf::auth

#include "htpasswd_file.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bcrypt.hpp"

namespace wharf::auth {

HtpasswdFile HtpasswdFile::parse(const std::string& text) {
  HtpasswdFile f;
  bool first = true;
  std::stringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      f.warnings.push_back("line " + std::to_string(number) + ": not 'user:hash'");
      continue;
    }
    std::string user = line.substr(0, colon), hash = line.substr(colon + 1);
    auto cost = bcryptCost(hash);
    if (!cost) {
      f.warnings.push_back("line " + std::to_string(number) + ": user '" + user +
                           "' has no bcrypt hash (use htpasswd -B); skipped");
      continue;
    }
    // The dummy hash checked for unknown users takes the highest cost in the file, so that an
    // unknown user is never answered faster than a known one (user enumeration by timing).
    f.cost = first ? *cost : std::max(f.cost, *cost);
    first = false;
    f.users[user] = hash;
  }
  return f;
}

HtpasswdFile HtpasswdFile::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read htpasswd file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  HtpasswdFile f = parse(ss.str());
  // Lines, none of them usable: a broken file, not an intentionally empty one.
  if (f.users.empty() && !f.warnings.empty())
    throw std::runtime_error("htpasswd file '" + path + "' has no valid 'user:bcrypt-hash' line (" +
                             f.warnings.front() + ")");
  return f;
}

}  // namespace wharf::auth

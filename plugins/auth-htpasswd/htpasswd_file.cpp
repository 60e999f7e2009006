#include "htpasswd_file.hpp"

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
    if (first) f.cost = *cost;
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
  return parse(ss.str());
}

}  // namespace wharf::auth

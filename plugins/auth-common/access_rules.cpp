#include "access_rules.hpp"

#include <fnmatch.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "wharf/auth.h"

namespace wharf::auth {

uint32_t parseActions(const std::string& list) {
  uint32_t out = 0;
  std::stringstream ss(list);
  std::string word;
  while (std::getline(ss, word, ',')) {
    if (word.empty()) continue;
    if (word == "pull")
      out |= WHARF_ACTION_PULL;
    else if (word == "push")
      out |= WHARF_ACTION_PUSH;
    else if (word == "delete")
      out |= WHARF_ACTION_DELETE;
    else if (word == "catalog")
      out |= WHARF_ACTION_CATALOG;
    else if (word == "*")
      out |= WHARF_ACTION_PULL | WHARF_ACTION_PUSH | WHARF_ACTION_DELETE | WHARF_ACTION_CATALOG;
    else
      throw std::invalid_argument("unknown action '" + word + "'");
  }
  return out;
}

bool globMatch(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

AccessRules AccessRules::parse(const std::string& text) {
  AccessRules out;
  std::stringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::stringstream words(line);
    Rule r;
    std::string actions, extra;
    if (!(words >> r.user)) continue;
    if (!(words >> r.pattern >> actions) || (words >> extra))
      throw std::invalid_argument("rules line " + std::to_string(number) +
                                  ": expected '<user> <repository pattern> <actions>'");
    try {
      r.actions = parseActions(actions);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("rules line " + std::to_string(number) + ": " + e.what());
    }
    out.rules_.push_back(std::move(r));
  }
  return out;
}

AccessRules AccessRules::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read rules file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

uint32_t AccessRules::granted(const std::string& user, const std::string& resource_type,
                              const std::string& name) const {
  uint32_t out = 0;
  const bool catalog = resource_type == "registry";
  for (auto& r : rules_) {
    bool who = user.empty() ? r.user == "anonymous" : (r.user == user || r.user == "*");
    if (!who) continue;
    if (catalog)
      out |= r.actions & WHARF_ACTION_CATALOG;
    else if (globMatch(r.pattern, name))
      out |= r.actions & ~static_cast<uint32_t>(WHARF_ACTION_CATALOG);
  }
  return out;
}

}  // namespace wharf::auth

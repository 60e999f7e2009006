// AccessRules: which actions a user may take on which repositories, from a rules file:
//
//   # user        repository pattern   actions
//   alice         *                    pull,push,delete,catalog
//   bob           team/*               pull,push
//   *             public/*             pull        (* = every authenticated user)
//   anonymous     public/*             pull        (requests without credentials)
//
// Patterns are shell globs where '*' also matches '/'. Actions: pull, push, delete, catalog, or
// '*' for all. A user's grants are the union of the lines that name them (or '*').
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wharf::auth {

class AccessRules {
 public:
  // Throws std::invalid_argument naming the line on a syntax error.
  static AccessRules parse(const std::string& text);
  static AccessRules load(const std::string& path);

  // The wharf_auth_action bits `user` ("" = anonymous) has on repository `name`; for the
  // registry catalog pass resource_type "registry".
  uint32_t granted(const std::string& user, const std::string& resource_type,
                   const std::string& name) const;

 private:
  struct Rule {
    std::string user;
    std::string pattern;
    uint32_t actions = 0;
  };
  std::vector<Rule> rules_;
};

// Parses "pull,push" into action bits; throws std::invalid_argument on an unknown word.
uint32_t parseActions(const std::string& list);
// fnmatch without FNM_PATHNAME.
bool globMatch(const std::string& pattern, const std::string& text);

}  // namespace wharf::auth

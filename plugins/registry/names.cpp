#include "names.hpp"

namespace wharf::registry {

namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: alphanumeric runs joined by '.', '_', '__' or one or more '-'.
bool isValidComponent(std::string_view c) {
  size_t i = 0;
  const size_t n = c.size();
  if (n == 0 || !isLowerAlnum(c[0])) return false;
  while (i < n) {
    if (isLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < n && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < n && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (i >= n || !isLowerAlnum(c[i])) return false;
  }
  return true;
}

}  // namespace

bool isValidRepositoryName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  size_t pos = 0;
  for (;;) {
    size_t slash = name.find('/', pos);
    std::string_view comp =
        name.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (!isValidComponent(comp)) return false;
    if (slash == std::string_view::npos) return true;
    pos = slash + 1;
  }
}

bool isValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag[0])) return false;
  for (char c : tag.substr(1))
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace wharf::registry

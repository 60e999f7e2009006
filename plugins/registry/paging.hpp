// The n/last paging of tags/list and _catalog, with the Link header for the next page.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace wharf::registry {

struct PageRequest {
  std::optional<size_t> n;  // at most n entries; nullopt = all (or the caller's default)
  std::string last;         // entries strictly after this one (lexically); "" = from the start
};

struct Page {
  std::vector<std::string> items;
  bool more = false;  // entries remain after the last item
};

// Parses the `n` query value; nullopt for an absent value; throws RegistryError
// (PAGINATION_NUMBER_INVALID) for a malformed one.
std::optional<size_t> parsePageSize(const std::optional<std::string>& n);

// Takes one page from `sorted` (ascending, unique).
Page takePage(const std::vector<std::string>& sorted, const PageRequest& request);

// `<path?n=N&last=L>; rel="next"` for the page after `page`.
std::string nextLink(const std::string& path, size_t n, const std::string& last);

}  // namespace wharf::registry

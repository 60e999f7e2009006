#include "paging.hpp"

#include <algorithm>
#include <charconv>

#include "errors.hpp"

namespace wharf::registry {

std::optional<size_t> parsePageSize(const std::optional<std::string>& n) {
  if (!n) return std::nullopt;
  size_t v = 0;
  auto [p, ec] = std::from_chars(n->data(), n->data() + n->size(), v);
  if (n->empty() || ec != std::errc() || p != n->data() + n->size())
    throw RegistryError(ErrorCode::PaginationNumberInvalid, "n=" + *n);
  return v;
}

Page takePage(const std::vector<std::string>& sorted, const PageRequest& request) {
  Page page;
  auto it = sorted.begin();
  if (!request.last.empty()) it = std::upper_bound(sorted.begin(), sorted.end(), request.last);
  size_t left = static_cast<size_t>(sorted.end() - it);
  size_t take = request.n ? std::min(*request.n, left) : left;
  page.items.assign(it, it + static_cast<std::ptrdiff_t>(take));
  page.more = take < left && take > 0;
  return page;
}

namespace {
std::string queryEscape(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}
}  // namespace

std::string nextLink(const std::string& path, size_t n, const std::string& last) {
  return "<" + path + "?last=" + queryEscape(last) + "&n=" + std::to_string(n) + ">; rel=\"next\"";
}

}  // namespace wharf::registry

#include "ranges.hpp"

#include <charconv>

namespace wharf::registry {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

RangeRequest parseRangeHeader(std::string_view header, uint64_t size) {
  RangeRequest whole;
  header = trim(header);
  if (header.substr(0, 6) != "bytes=") return whole;
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return whole;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first = trim(spec.substr(0, dash)), last = trim(spec.substr(dash + 1));
  RangeRequest out;
  if (first.empty()) {  // suffix range: the last N bytes
    auto n = number(last);
    if (!n) return whole;
    if (*n == 0 || size == 0) return {RangeKind::Unsatisfiable, {}};
    uint64_t len = *n < size ? *n : size;
    return {RangeKind::Partial, {size - len, size - 1}};
  }
  auto start = number(first);
  if (!start) return whole;
  uint64_t end = size ? size - 1 : 0;
  if (!last.empty()) {
    auto e = number(last);
    if (!e || *e < *start) return whole;
    if (*e < end) end = *e;
  }
  if (*start >= size) return {RangeKind::Unsatisfiable, {}};
  return {RangeKind::Partial, {*start, end}};
}

std::optional<ByteRange> parseContentRange(std::string_view header) {
  std::string_view s = trim(header);
  if (s.substr(0, 6) == "bytes=")
    s.remove_prefix(6);
  else if (s.substr(0, 6) == "bytes ")
    s.remove_prefix(6);
  s = trim(s);
  if (size_t slash = s.find('/'); slash != std::string_view::npos) s = s.substr(0, slash);
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto start = number(trim(s.substr(0, dash)));
  auto end = number(trim(s.substr(dash + 1)));
  if (!start || !end || *end < *start) return std::nullopt;
  return ByteRange{*start, *end};
}

}  // namespace wharf::registry

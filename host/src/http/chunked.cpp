#include "http/chunked.hpp"

#include <algorithm>

namespace wharf::host {

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool visibleOrSpace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}
}  // namespace

std::optional<uint64_t> parseChunkSize(std::string_view line) {
  size_t i = 0;
  uint64_t size = 0;
  int significant = 0;
  for (; i < line.size(); ++i) {
    int v = hexValue(line[i]);
    if (v < 0) break;
    if (size == 0 && v == 0) continue;            // leading zeros
    if (++significant > 15) return std::nullopt;  // stays below 2^60
    size = size * 16 + static_cast<uint64_t>(v);
  }
  if (i == 0) return std::nullopt;  // no digits
  std::string_view rest = line.substr(i);
  // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
  size_t ext = rest.find_first_not_of(" \t");
  if (ext != std::string_view::npos) {
    if (rest[ext] != ';' || !visibleOrSpace(rest)) return std::nullopt;
  }
  return size;
}

bool validTrailerLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  if (line.front() == ' ' || line.front() == '\t') return false;
  for (size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == ',' || c == '/' || c == ';' ||
        c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' ||
        c == ']' || c == '{' || c == '}' || c == '"')
      return false;
  }
  return visibleOrSpace(line.substr(colon + 1));
}

}  // namespace wharf::host

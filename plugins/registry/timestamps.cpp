#include "timestamps.hpp"

#include <cstdio>

namespace wharf::registry {

std::string formatRfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::time_t> parseRfc3339(std::string_view s) {
  std::string text(s);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  }
  std::time_t t = timegm(&tm);
  if (i < text.size() && text[i] == 'Z') return t;
  int oh = 0, om = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-') &&
      std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2) {
    int sign = text[i] == '+' ? 1 : -1;
    return t - sign * (oh * 3600 + om * 60);
  }
  return std::nullopt;
}

}  // namespace wharf::registry

#include "engine/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

template <class J>
J parseJson(std::string_view text) {
  // The callback sees each value's depth as it starts; refusing there bounds the recursion of
  // everything that later walks the value.
  auto limit = [](int depth, nlohmann::json::parse_event_t event, J&) {
    if (depth >= kMaxJsonDepth && (event == nlohmann::json::parse_event_t::object_start ||
                                   event == nlohmann::json::parse_event_t::array_start)) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "invalid JSON: nested more than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    return true;
  };
  try {
    return J::parse(text.begin(), text.end(), limit);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "invalid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  }
}

template Json parseJson<Json>(std::string_view);
template JsonDocument parseJson<JsonDocument>(std::string_view);

void appendJsonString(std::string& out, std::string_view s) {
  out += toJsonText(Json(std::string(s)));
}

std::string pythonFloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[40];
  for (int precision = 0; precision <= 16; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  // buf is [-]D[.DDD]e(+|-)XX: split it into sign, significant digits and decimal exponent.
  std::string_view text(buf);
  const size_t e = text.find('e');
  int exponent = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(),
                  exponent);
  std::string out = text[0] == '-' ? "-" : "";
  std::string digits;
  for (char c : text.substr(0, e))
    if (c >= '0' && c <= '9') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0)
      return out + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    const size_t whole = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= whole)
      return out + digits + std::string(whole - digits.size(), '0') + ".0";
    return out + digits.substr(0, whole) + "." + digits.substr(whole);
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_text[16];
  std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_text;
}

}  // namespace wharf::engine

// JSON for the host and for plugins written in C++: nlohmann-json (Debian's nlohmann-json3-dev,
// header-only), the one JSON library of the tree. `wharf::Json` keeps members in the order
// written (a client's object reaches a chat template as sent) and integers apart from floats
// ("1" vs "1.0"); documents with very large objects (a tokenizer's vocabulary) parse into
// nlohmann::json, whose sorted members insert in O(log n).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace wharf {

using Json = nlohmann::ordered_json;

// Compact text of `j`. Invalid UTF-8 in a string (a client's raw path echoed in an error, a
// single byte of a multi-byte token) becomes U+FFFD instead of an exception, so the text is
// always valid JSON for a strict parser.
inline std::string toJsonText(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}
// The same for nlohmann::json (sorted members).
template <class J>
requires(!std::is_same_v<J, Json>) std::string toJsonText(const J& j) {
  return j.dump(-1, ' ', false, J::error_handler_t::replace);
}

// Member `key` of `j`, or nullptr when `j` is not an object or has no such member.
template <class J>
const J* jsonMember(const J& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// Member `key` of `j`, or a null value.
template <class J>
const J& jsonMemberOrNull(const J& j, std::string_view key) {
  static const J null;
  const J* m = jsonMember(j, key);
  return m ? *m : null;
}

// The string `j`, or `fallback` when `j` is not a string.
template <class J>
std::string jsonStringOr(const J& j, std::string fallback = {}) {
  return j.is_string() ? j.template get<std::string>() : fallback;
}

// The boolean `j`, or `fallback` when `j` is not a boolean.
template <class J>
bool jsonBoolOr(const J& j, bool fallback) {
  return j.is_boolean() ? j.template get<bool>() : fallback;
}

}  // namespace wharf

// String members of the JSON in tokens and JWK sets: a member of the wrong type is refused, never
// converted (a numeric "iss", an object "kid").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace wharf::auth {

// "" when `name` is absent, nullopt when it is there but not a string.
inline std::optional<std::string> stringMember(const nlohmann::json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace wharf::auth

// Repository names and tags as the OCI distribution spec defines them.
//   name: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, <= 255 chars
//   tag:  [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
#pragma once

#include <string_view>

namespace wharf::registry {

constexpr size_t kMaxNameLength = 255;

bool isValidRepositoryName(std::string_view name);
bool isValidTag(std::string_view tag);

}  // namespace wharf::registry

// Small helpers to write JSON text by hand (the registry's responses are simple and hot).
#pragma once

#include <string>
#include <string_view>

namespace wharf::registry {

// `s` as a quoted JSON string with the required escapes.
std::string jsonString(std::string_view s);

}  // namespace wharf::registry

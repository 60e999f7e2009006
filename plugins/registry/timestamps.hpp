// RFC 3339 timestamps as distribution writes them (the `startedat` file of an upload).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::registry {

std::string formatRfc3339(std::time_t t);
// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; nullopt when malformed.
std::optional<std::time_t> parseRfc3339(std::string_view s);

}  // namespace wharf::registry

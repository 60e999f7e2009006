// Manifest content negotiation by the Accept headers (every Accept header, comma lists, with
// parameters ignored).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wharf/cpp/http_service.hpp"

namespace wharf::registry {

// Media types named by all Accept headers of the request, without parameters.
std::vector<std::string> acceptedTypes(Exchange& ex);
std::vector<std::string> parseAccept(std::string_view header);

// True when the client may receive `mediaType`: it named it, or named no manifest type at all
// (no Accept, */*, application/json ...), which means "whatever is stored".
bool acceptsManifestType(const std::vector<std::string>& accepted, std::string_view mediaType);

}  // namespace wharf::registry

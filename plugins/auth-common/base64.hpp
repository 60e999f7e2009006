// Base64 (RFC 4648): the standard alphabet (HTTP Basic credentials) and the URL-safe one without
// padding (JWT).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::auth {

// Decodes standard base64 (padding optional); nullopt when malformed.
std::optional<std::string> base64Decode(std::string_view in);
// Decodes base64url without padding (padding tolerated); nullopt when malformed.
std::optional<std::string> base64UrlDecode(std::string_view in);
std::string base64Encode(std::string_view in);
std::string base64UrlEncode(std::string_view in);

}  // namespace wharf::auth

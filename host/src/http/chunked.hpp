// The framing of a chunked request body (RFC 9112 §7.1), parsed strictly: a chunk size is hex
// digits (leading zeros allowed, at most 15 significant ones) optionally followed by extensions;
// the decoder in HttpExchange reads lines through Connection::readLine, which refuses bare LFs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wharf::host {

// The size of a chunk-size line (CRLF removed), or nullopt when it is malformed or too large.
std::optional<uint64_t> parseChunkSize(std::string_view line);

// Whether a trailer line (CRLF removed) is a well-formed field line; trailers are then dropped.
bool validTrailerLine(std::string_view line);

// Longest chunk-size or trailer line accepted.
inline constexpr size_t kMaxChunkLine = 4096;

}  // namespace wharf::host

// HTTP byte ranges: the Range request header of blob GET (one range only) and the Content-Range
// header of chunked upload PATCH ("<start>-<end>", inclusive).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wharf::registry {

struct ByteRange {
  uint64_t start = 0;
  uint64_t end = 0;  // inclusive
  uint64_t length() const { return end - start + 1; }
};

enum class RangeKind {
  Whole,          // no usable Range header: answer 200 with the whole body
  Partial,        // answer 206 with `range`
  Unsatisfiable,  // answer 416
};

struct RangeRequest {
  RangeKind kind = RangeKind::Whole;
  ByteRange range;
};

// Interprets a Range header against an object of `size` bytes. Multiple ranges and malformed
// headers are ignored (RFC 9110 allows serving the whole body).
RangeRequest parseRangeHeader(std::string_view header, uint64_t size);

// Parses an upload Content-Range: "<start>-<end>", also "bytes <start>-<end>[/<total>]" and
// "bytes=<start>-<end>". nullopt when malformed or end < start.
std::optional<ByteRange> parseContentRange(std::string_view header);

}  // namespace wharf::registry

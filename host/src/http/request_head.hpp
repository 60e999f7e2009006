// The request line and header fields of one HTTP/1.x request, parsed strictly (RFC 9112): anything
// a proxy in front could read differently -- two lengths, a length with a transfer coding, a coding
// other than chunked, obs-fold, a field line without a colon, control bytes in a value, a bare LF
// or CR -- is an error, answered 400 and closed, so no request can hide inside another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::host {

struct RequestHead {
  enum class Body { None, Length, Chunked };

  std::string method;
  std::string target;
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> fields;
  Body body = Body::None;
  uint64_t content_length = 0;  // with Body::Length
  bool keep_alive = true;
  bool expect_continue = false;

  // The first field of that name (case-insensitive), or nullptr.
  const std::string* field(std::string_view name) const;
};

struct HeadLimits {
  size_t max_fields = 100;
  size_t max_bytes = 64 * 1024;  // request line and every field line, CRLFs included
};

// Longest field name and value; longer ones are answered 431.
inline constexpr size_t kMaxFieldName = 256;
inline constexpr size_t kMaxFieldValue = 8192;

struct HeadError {
  int status = 400;  // 400, 431 or 505
  std::string message;
};

struct HeadParse {
  enum class State { Incomplete, Complete, Error };
  State state = State::Incomplete;
  size_t consumed = 0;  // with Complete: bytes of the head, the empty line included
  RequestHead head;
  HeadError error;
};

// Parses the head at the start of `data`. Empty lines before the request line are skipped
// (RFC 9112 §2.2). Incomplete while no empty line ends the head and the limits still allow one.
HeadParse parseRequestHead(std::string_view data, const HeadLimits& limits);

// Whether bytes received from offset `from` on (the earlier ones were looked at before) may end a
// head: an empty line, or a bare LF to report. A reader calls parseRequestHead only then (or when
// the limit is passed), so a head sent a byte at a time is not parsed again for every byte.
bool headMayBeComplete(std::string_view data, size_t from);

}  // namespace wharf::host

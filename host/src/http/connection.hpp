// A client connection between requests and during one: its transport, the bytes received but not
// yet used (the next head, the start of a body, pipelined requests), and what the listener keeps
// about it (the client's address, requests served, the deadline of the current wait).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/transport.hpp"

namespace wharf::host {

class Connection {
 public:
  Connection(std::unique_ptr<Transport> transport, std::string client)
      : transport_(std::move(transport)), client_(std::move(client)) {}

  Transport& transport() { return *transport_; }
  const std::string& client() const { return client_; }

  // --- the input buffer ---
  std::string_view buffered() const { return std::string_view(in_).substr(pos_); }
  void consume(size_t n);
  // Receives what the transport has now (non-blocking) into the buffer: bytes added, or one of
  // Transport's kClosed / kWantRead / kWantWrite / kError.
  long fill();

  // Blocking reads for a worker (waiting up to `timeout` seconds between bytes): buffered bytes
  // first, else straight from the transport into `buf`. > 0 bytes, 0 at EOF, < 0 on error/timeout.
  long read(char* buf, size_t size, double timeout);
  enum class Line { Ok, Closed, Malformed, TooLong };
  // A line ending in CRLF (returned without it) of at most `max` bytes; a bare LF is Malformed.
  Line readLine(std::string& line, size_t max, double timeout);

  int requests = 0;            // served on this connection
  size_t scanned = 0;          // bytes of buffered() already looked at for the end of a head
  std::shared_ptr<void> slot;  // the listener's count of this connection, released with it

 private:
  std::unique_ptr<Transport> transport_;
  std::string client_;
  std::string in_;
  size_t pos_ = 0;
};

}  // namespace wharf::host

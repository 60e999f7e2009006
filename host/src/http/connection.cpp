#include "http/connection.hpp"

#include <poll.h>

#include <algorithm>
#include <cstring>

namespace wharf::host {

namespace {
constexpr size_t kFillSize = 16 * 1024;
}

void Connection::consume(size_t n) {
  pos_ += std::min(n, in_.size() - pos_);
  scanned = 0;
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  } else if (pos_ > 64 * 1024) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
}

long Connection::fill() {
  const size_t old = in_.size();
  in_.resize(old + kFillSize);
  long n = transport_->recvSome(in_.data() + old, kFillSize);
  in_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
  return n;
}

long Connection::read(char* buf, size_t size, double timeout) {
  if (size == 0) return 0;
  if (pos_ < in_.size()) {
    size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(buf, in_.data() + pos_, n);
    consume(n);
    return static_cast<long>(n);
  }
  long n = transport_->recvWait(buf, size, timeout);
  return n >= 0 ? n : -1;
}

Connection::Line Connection::readLine(std::string& line, size_t max, double timeout) {
  for (;;) {
    std::string_view have = buffered();
    size_t nl = have.find('\n');
    if (nl != std::string_view::npos) {
      if (nl == 0 || have[nl - 1] != '\r') return Line::Malformed;
      if (nl - 1 > max) return Line::TooLong;
      line.assign(have.substr(0, nl - 1));
      consume(nl + 1);
      return Line::Ok;
    }
    if (have.size() > max + 1) return Line::TooLong;
    long n = fill();
    if (n > 0) continue;
    if (n == Transport::kClosed || n == Transport::kError) return Line::Closed;
    if (!transport_->wait(n == Transport::kWantRead ? POLLIN : POLLOUT, timeout))
      return Line::Closed;
  }
}

}  // namespace wharf::host

#include "http/exchange.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "http/chunked.hpp"
#include "json/json_body.hpp"

namespace wharf::host {

namespace {
constexpr size_t kOutBuffer = 32 * 1024;
constexpr size_t kMaxTrailerLines = 100;

std::string urlDecode(const std::string& s) {
  std::string out;
  try {
    Poco::URI::decode(s, out, false);
  } catch (...) {
    out = s;
  }
  return out;
}
}  // namespace

HttpExchange::HttpExchange(Connection& connection, RequestHead head, ExchangeLimits limits)
    : connection_(connection),
      transport_(connection.transport()),
      client_addr_(connection.client()),
      tls_(connection.transport().tls()),
      limits_(limits),
      head_(std::move(head)) {
  std::string target = head_.target;
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  if (size_t q = target.find('?'); q != std::string::npos) {
    raw_path_ = target.substr(0, q);
    query_ = target.substr(q + 1);
  } else {
    raw_path_ = target;
  }
  if (size_t h = query_.find('#'); h != std::string::npos) query_.resize(h);
  path_ = urlDecode(raw_path_);
  target_has_nul_ =
      path_.find('\0') != std::string::npos || query_.find("%00") != std::string::npos;

  expect_continue_ = head_.expect_continue;
  switch (head_.body) {
    case RequestHead::Body::Chunked:
      content_length_ = -1;
      break;
    case RequestHead::Body::Length:
      content_length_ = static_cast<int64_t>(head_.content_length);
      break;
    case RequestHead::Body::None:
      content_length_ = 0;
      body_done_ = true;
      break;
  }
  keep_alive_ = head_.keep_alive;
}

HttpExchange::~HttpExchange() = default;

const char* HttpExchange::queryParam(const std::string& name) {
  if (!params_) {
    params_.emplace();
    size_t pos = 0;
    while (pos <= query_.size() && !query_.empty()) {
      size_t amp = query_.find('&', pos);
      if (amp == std::string::npos) amp = query_.size();
      std::string item = query_.substr(pos, amp - pos);
      if (!item.empty()) {
        size_t eq = item.find('=');
        std::string k = eq == std::string::npos ? item : item.substr(0, eq);
        std::string v = eq == std::string::npos ? "" : item.substr(eq + 1);
        std::replace(k.begin(), k.end(), '+', ' ');
        std::replace(v.begin(), v.end(), '+', ' ');
        params_->emplace_back(urlDecode(k), urlDecode(v));
      }
      pos = amp + 1;
    }
  }
  for (auto& [k, v] : *params_)
    if (k == name) return v.c_str();
  return nullptr;
}

const char* HttpExchange::header(const std::string& name) const {
  const std::string* v = head_.field(name);
  return v ? v->c_str() : nullptr;
}

int64_t HttpExchange::malformedBody(const std::string& why) {
  body_malformed_ = true;
  keep_alive_ = false;
  if (!headers_sent_) {
    setRoute(route_.empty() ? "malformed" : route_);
    respond(400, "application/json", hostErrorJson(400, "bad_request", "malformed body: " + why));
    flushOut();
  }
  broken_ = true;  // what the handler writes next goes nowhere; the connection closes
  return -1;
}

int64_t HttpExchange::readChunked(char* buf, size_t size) {
  std::string line;
  // The client went away: the body is broken, not malformed.
  auto closed = [this] {
    broken_ = true;
    return int64_t{-1};
  };
  for (;;) {
    if (chunk_left_ > 0) {
      long n = connection_.read(buf, std::min<uint64_t>(size, chunk_left_), limits_.timeout);
      if (n <= 0) return closed();
      chunk_left_ -= static_cast<uint64_t>(n);
      if (chunk_left_ == 0) chunk_crlf_ = true;
      return n;
    }
    if (chunk_crlf_) {
      auto r = connection_.readLine(line, 0, limits_.timeout);
      if (r == Connection::Line::Closed) return closed();
      if (r != Connection::Line::Ok || !line.empty())
        return malformedBody("chunk data not followed by CRLF");
      chunk_crlf_ = false;
    }
    auto r = connection_.readLine(line, kMaxChunkLine, limits_.timeout);
    if (r == Connection::Line::Closed) return closed();
    if (r != Connection::Line::Ok) return malformedBody("chunk size line not ending in CRLF");
    std::optional<uint64_t> chunk = parseChunkSize(line);
    if (!chunk) return malformedBody("bad chunk size '" + line.substr(0, 40) + "'");
    if (*chunk > 0) {
      chunk_left_ = *chunk;
      continue;
    }
    for (size_t lines = 0;; ++lines) {  // trailer fields, dropped
      r = connection_.readLine(line, kMaxChunkLine, limits_.timeout);
      if (r == Connection::Line::Closed) return closed();
      if (r != Connection::Line::Ok || lines > kMaxTrailerLines)
        return malformedBody("malformed trailer");
      if (line.empty()) break;
      if (!validTrailerLine(line)) return malformedBody("malformed trailer field");
    }
    body_done_ = true;
    return 0;
  }
}

int64_t HttpExchange::read(void* buf, size_t size) {
  if (body_done_ || size == 0) return 0;
  if (body_too_large_ || broken_) return -1;
  if (expect_continue_ && !headers_sent_) {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    expect_continue_ = false;
    if (!sendRaw(kContinue, sizeof kContinue - 1)) return -1;
  }
  int64_t n = 0;
  if (content_length_ < 0) {
    n = readChunked(static_cast<char*>(buf), size);
    if (n <= 0) return n;
  } else {
    const uint64_t left = static_cast<uint64_t>(content_length_) - body_read_;
    if (left == 0) {
      body_done_ = true;
      return 0;
    }
    n = connection_.read(static_cast<char*>(buf), std::min<uint64_t>(size, left), limits_.timeout);
    if (n <= 0) {  // a fixed-length body that ended early: the client went away
      broken_ = true;
      return -1;
    }
  }
  body_read_ += static_cast<uint64_t>(n);
  if (limits_.max_body && body_read_ > limits_.max_body) {
    body_too_large_ = true;
    keep_alive_ = false;
    return -1;
  }
  return n;
}

bool HttpExchange::discardBody(uint64_t limit) {
  if (body_done_) return true;
  if (broken_ || body_too_large_ || expect_continue_) return false;  // never asked for it: close
  char buf[16384];
  uint64_t skipped = 0;
  while (skipped <= limit) {
    int64_t n = read(buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) return false;
    skipped += static_cast<uint64_t>(n);
  }
  return false;
}

void HttpExchange::setStatus(int status) {
  if (!headers_sent_ && status >= 100 && status <= 999) status_ = status;
}

void HttpExchange::addHeader(const std::string& name, const std::string& value) {
  if (headers_sent_) return;
  // Refuse header injection.
  if (name.find_first_of("\r\n:") != std::string::npos ||
      value.find_first_of("\r\n") != std::string::npos)
    return;
  if (Poco::icompare(name, "Content-Length") == 0) {
    try {
      response_length_ = std::stoll(value);
    } catch (...) {
    }
    return;
  }
  if (Poco::icompare(name, "Transfer-Encoding") == 0) return;
  if (Poco::icompare(name, "Connection") == 0) {
    if (Poco::icompare(value, "close") == 0) keep_alive_ = false;
    return;
  }
  headers_.emplace_back(name, value);
}

bool HttpExchange::bodyAllowed() const {
  return method() != "HEAD" && status_ != 204 && status_ != 304 &&
         !(status_ >= 100 && status_ < 200);
}

bool HttpExchange::sendHeaders() {
  if (headers_sent_) return !broken_;
  headers_sent_ = true;
  if (response_length_ < 0 && bodyAllowed()) {
    if (head_.minor_version >= 1)
      chunked_ = true;
    else
      keep_alive_ = false;  // HTTP/1.0: the end of the body is the end of the connection
  }
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(status_);
  head += ' ';
  head += Poco::Net::HTTPResponse::getReasonForStatus(
      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status_));
  head += "\r\n";
  for (auto& [k, v] : headers_) {
    head += k;
    head += ": ";
    head += v;
    head += "\r\n";
  }
  if (response_length_ >= 0 && status_ != 204 && !(status_ >= 100 && status_ < 200) &&
      status_ != 304) {
    head += "Content-Length: ";
    head += std::to_string(response_length_);
    head += "\r\n";
  }
  if (chunked_) head += "Transfer-Encoding: chunked\r\n";
  head += keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  head += "\r\n";
  return bufferOut(head.data(), head.size());
}

bool HttpExchange::sendRaw(const char* data, size_t size) {
  if (broken_) return false;
  if (!transport_.sendAll(data, size, limits_.timeout)) broken_ = true;
  return !broken_;
}

bool HttpExchange::bufferOut(const char* data, size_t size) {
  if (out_.size() + size > kOutBuffer) {
    if (!flushOut()) return false;
    if (size > kOutBuffer) return sendRaw(data, size);
  }
  out_.append(data, size);
  return true;
}

bool HttpExchange::flushOut() {
  if (out_.empty()) return !broken_;
  bool ok = sendRaw(out_.data(), out_.size());
  out_.clear();
  return ok;
}

int HttpExchange::write(const void* data, size_t size) {
  if (!sendHeaders()) return -1;
  if (!bodyAllowed() || size == 0) return 0;
  body_bytes_ += size;
  if (chunked_) {
    char len[24];
    int n = std::snprintf(len, sizeof len, "%zx\r\n", size);
    if (!bufferOut(len, static_cast<size_t>(n))) return -1;
    if (!bufferOut(static_cast<const char*>(data), size)) return -1;
    return bufferOut("\r\n", 2) ? 0 : -1;
  }
  return bufferOut(static_cast<const char*>(data), size) ? 0 : -1;
}

int HttpExchange::flush() {
  if (!sendHeaders()) return -1;
  return flushOut() ? 0 : -1;
}

int HttpExchange::sendFile(int fd, uint64_t offset, uint64_t length) {
  if (!sendHeaders()) return -1;
  if (!bodyAllowed() || length == 0) return 0;
  if (chunked_ || tls_) {
    // Copy through user space: chunk framing or TLS encryption needs the bytes.
    char buf[65536];
    while (length > 0) {
      ssize_t n =
          ::pread(fd, buf, std::min<uint64_t>(length, sizeof buf), static_cast<off_t>(offset));
      if (n <= 0) return -1;
      if (write(buf, static_cast<size_t>(n)) != 0) return -1;
      offset += static_cast<uint64_t>(n);
      length -= static_cast<uint64_t>(n);
    }
    return 0;
  }
  if (!flushOut()) return -1;
  off_t off = static_cast<off_t>(offset);
  int sock = transport_.fd();
  while (length > 0) {
    ssize_t n = ::sendfile(sock, fd, &off, std::min<uint64_t>(length, 1u << 30));
    if (n < 0 && (errno == EINTR)) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!transport_.wait(POLLOUT, limits_.timeout)) {
        broken_ = true;
        return -1;
      }
      continue;
    }
    if (n <= 0) {
      broken_ = true;
      return -1;
    }
    length -= static_cast<uint64_t>(n);
    body_bytes_ += static_cast<uint64_t>(n);
  }
  return 0;
}

bool HttpExchange::clientConnected() {
  if (broken_) return false;
  // Zero bytes pending on a readable socket means the peer closed; pipelined data means it is
  // alive.
  char c;
  ssize_t n = ::recv(transport_.fd(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  return true;
}

bool HttpExchange::finish() {
  if (!headers_sent_ && response_length_ < 0) response_length_ = 0;
  if (!sendHeaders()) return false;
  if (chunked_ && !bufferOut("0\r\n\r\n", 5)) return false;
  if (!flushOut()) return false;
  if (response_length_ >= 0 && bodyAllowed() &&
      body_bytes_ != static_cast<uint64_t>(response_length_))
    keep_alive_ = false;  // the declared length was not honoured: the framing is broken
  return keep_alive_ && !broken_;
}

void HttpExchange::respond(int status, const std::string& content_type, const std::string& body) {
  if (headers_sent_) return;
  setStatus(status);
  if (!content_type.empty()) addHeader("Content-Type", content_type);
  response_length_ = static_cast<int64_t>(body.size());
  write(body.data(), body.size());
}

// ---- the C table ------------------------------------------------------------------------------

namespace {
HttpExchange* X(wharf_http_exchange* ex) { return HttpExchange::fromC(ex); }
}  // namespace

const wharf_http_api* httpApi() {
  static const wharf_http_api api = [] {
    wharf_http_api a{};
    a.struct_size = sizeof(wharf_http_api);
    a.method = [](wharf_http_exchange* ex) { return X(ex)->method().c_str(); };
    a.path = [](wharf_http_exchange* ex) { return X(ex)->path().c_str(); };
    a.raw_path = [](wharf_http_exchange* ex) { return X(ex)->rawPath().c_str(); };
    a.query = [](wharf_http_exchange* ex) { return X(ex)->query().c_str(); };
    a.query_param = [](wharf_http_exchange* ex, const char* name) {
      return X(ex)->queryParam(name ? name : "");
    };
    a.header = [](wharf_http_exchange* ex, const char* name) {
      return X(ex)->header(name ? name : "");
    };
    a.visit_headers = [](wharf_http_exchange* ex, wharf_header_visit_fn fn, void* ctx) {
      for (auto& [k, v] : X(ex)->head().fields)
        if (fn(ctx, k.c_str(), v.c_str()) != 0) break;
    };
    a.client_addr = [](wharf_http_exchange* ex) { return X(ex)->clientAddr().c_str(); };
    a.scheme = [](wharf_http_exchange* ex) { return X(ex)->scheme(); };
    a.content_length = [](wharf_http_exchange* ex) { return X(ex)->contentLength(); };
    a.read = [](wharf_http_exchange* ex, void* buf, size_t n) { return X(ex)->read(buf, n); };
    a.set_status = [](wharf_http_exchange* ex, int s) { X(ex)->setStatus(s); };
    a.add_header = [](wharf_http_exchange* ex, const char* k, const char* v) {
      if (k && v) X(ex)->addHeader(k, v);
    };
    a.set_content_length = [](wharf_http_exchange* ex, int64_t n) { X(ex)->setContentLength(n); };
    a.write = [](wharf_http_exchange* ex, const void* d, size_t n) { return X(ex)->write(d, n); };
    a.flush = [](wharf_http_exchange* ex) { return X(ex)->flush(); };
    a.send_file = [](wharf_http_exchange* ex, int fd, uint64_t off, uint64_t len) {
      return X(ex)->sendFile(fd, off, len);
    };
    a.client_connected = [](wharf_http_exchange* ex) { return X(ex)->clientConnected() ? 1 : 0; };
    a.set_route = [](wharf_http_exchange* ex, const char* r) { X(ex)->setRoute(r ? r : ""); };
    return a;
  }();
  return &api;
}

}  // namespace wharf::host

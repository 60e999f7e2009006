// One HTTP request/response on a listener connection: the host side of wharf_http_exchange.
// The head comes parsed (request_head.hpp); a fixed-length body is read from the connection in the
// caller's chunk size, a chunked one through a strict decoder (chunked.hpp) that answers a framing
// error 400 itself and closes; the response is written with our own framing so that bodies can be
// streamed, chunked, or sent with sendfile(2).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/connection.hpp"
#include "http/request_head.hpp"
#include "wharf/http_service.h"

namespace wharf::host {

struct ExchangeLimits {
  uint64_t max_body = 0;  // 0 = unlimited
  double timeout = 300;   // seconds between bytes read or written
};

class HttpExchange {
 public:
  HttpExchange(Connection& connection, RequestHead head, ExchangeLimits limits);
  ~HttpExchange();

  // --- request ---
  const RequestHead& head() const { return head_; }
  const std::string& method() const { return head_.method; }
  const std::string& path() const { return path_; }
  const std::string& rawPath() const { return raw_path_; }
  const std::string& query() const { return query_; }
  // The target holds an encoded NUL (%00): plugins read the path and query values as C strings,
  // which would end there, so such a request is refused before routing.
  bool targetHasNul() const { return target_has_nul_; }
  const char* queryParam(const std::string& name);
  const char* header(const std::string& name) const;
  const std::string& clientAddr() const { return client_addr_; }
  const char* scheme() const { return tls_ ? "https" : "http"; }
  int64_t contentLength() const { return content_length_; }
  int64_t read(void* buf, size_t size);
  bool bodyTooLarge() const { return body_too_large_; }
  // The chunked framing of the body was malformed (already answered 400).
  bool bodyMalformed() const { return body_malformed_; }
  // Skips what the handler left of the body; false when too much is left (close instead).
  bool discardBody(uint64_t limit);

  // --- response ---
  void setStatus(int status);
  void addHeader(const std::string& name, const std::string& value);
  void setContentLength(int64_t length) {
    if (!headers_sent_) response_length_ = length;
  }
  int write(const void* data, size_t size);
  int flush();
  int sendFile(int fd, uint64_t offset, uint64_t length);
  bool clientConnected();
  // Sends what is left (headers, chunked trailer). Returns false when the connection must close.
  bool finish();
  // A complete small response; only before anything was sent.
  void respond(int status, const std::string& content_type, const std::string& body);

  int status() const { return status_; }
  bool headersSent() const { return headers_sent_; }
  uint64_t bytesSent() const { return body_bytes_; }
  void setKeepAlive(bool v) { keep_alive_ = v; }
  bool keepAlive() const { return keep_alive_ && !broken_; }
  void setRoute(std::string r) { route_ = std::move(r); }
  const std::string& route() const { return route_; }

  wharf_http_exchange* asC() { return reinterpret_cast<wharf_http_exchange*>(this); }
  static HttpExchange* fromC(wharf_http_exchange* ex) {
    return reinterpret_cast<HttpExchange*>(ex);
  }

 private:
  bool sendHeaders();
  bool sendRaw(const char* data, size_t size);
  bool bufferOut(const char* data, size_t size);
  bool flushOut();
  bool bodyAllowed() const;
  int64_t readChunked(char* buf, size_t size);
  int64_t malformedBody(const std::string& why);

  Connection& connection_;
  Transport& transport_;
  std::string client_addr_;
  bool tls_;
  ExchangeLimits limits_;

  RequestHead head_;
  std::string path_, raw_path_, query_;
  std::optional<std::vector<std::pair<std::string, std::string>>> params_;
  bool target_has_nul_ = false;
  int64_t content_length_ = -1;  // -1: chunked
  bool expect_continue_ = false;
  uint64_t body_read_ = 0;
  bool body_done_ = false;
  bool body_too_large_ = false;
  bool body_malformed_ = false;
  uint64_t chunk_left_ = 0;  // bytes of the current chunk still to read
  bool chunk_crlf_ = false;  // the CRLF after a chunk's data is due

  int status_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  int64_t response_length_ = -1;
  bool headers_sent_ = false;
  bool chunked_ = false;
  bool keep_alive_ = true;
  bool broken_ = false;
  uint64_t body_bytes_ = 0;
  std::string out_;
  std::string route_;
};

// The wharf_http_api table over HttpExchange (host->http for every plugin).
const wharf_http_api* httpApi();

}  // namespace wharf::host

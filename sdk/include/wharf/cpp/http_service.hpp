// HTTP services in C++: Exchange (one request/response through the host's wharf_http_api), the
// HttpService base class with WHARF_HTTP_SERVICE_PLUGIN, and HttpServiceClient for the host.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/cpp/json.hpp"
#include "wharf/cpp/plugin.hpp"
#include "wharf/http_service.h"

namespace wharf {

class Exchange {
 public:
  Exchange(const wharf_http_api* api, wharf_http_exchange* ex) : api_(api), ex_(ex) {}

  std::string method() const { return s(api_->method(ex_)); }
  std::string path() const { return s(api_->path(ex_)); }
  std::string rawPath() const { return s(api_->raw_path(ex_)); }
  std::string query() const { return s(api_->query(ex_)); }
  std::optional<std::string> queryParam(const char* name) const {
    return o(api_->query_param(ex_, name));
  }
  std::optional<std::string> header(const char* name) const { return o(api_->header(ex_, name)); }
  std::string clientAddr() const { return s(api_->client_addr(ex_)); }
  std::string scheme() const { return s(api_->scheme(ex_)); }
  int64_t contentLength() const { return api_->content_length(ex_); }
  bool clientConnected() const { return api_->client_connected(ex_) != 0; }
  void setRoute(const char* route) { api_->set_route(ex_, route); }

  // Reads up to `size` bytes: > 0 read, 0 end of body, -1 error.
  int64_t read(void* buf, size_t size) { return api_->read(ex_, buf, size); }
  // Reads the whole body; nullopt when it exceeds `limit` bytes or the read fails.
  std::optional<std::string> readAll(size_t limit) {
    std::string out;
    char buf[16384];
    for (;;) {
      int64_t n = read(buf, sizeof buf);
      if (n < 0) return std::nullopt;
      if (n == 0) return out;
      if (out.size() + static_cast<size_t>(n) > limit) return std::nullopt;
      out.append(buf, static_cast<size_t>(n));
    }
  }

  void status(int code) { api_->set_status(ex_, code); }
  void addHeader(const char* name, const std::string& value) {
    api_->add_header(ex_, name, value.c_str());
  }
  void contentLength(int64_t n) { api_->set_content_length(ex_, n); }
  bool write(std::string_view data) {
    started_ = true;
    return api_->write(ex_, data.data(), data.size()) == 0;
  }
  bool flush() { return api_->flush(ex_) == 0; }
  bool sendFile(int fd, uint64_t offset, uint64_t length) {
    started_ = true;
    return api_->send_file(ex_, fd, offset, length) == 0;
  }
  // A complete response with a body.
  bool respond(int code, std::string_view content_type, std::string_view body) {
    status(code);
    if (!content_type.empty()) addHeader("Content-Type", std::string(content_type));
    contentLength(static_cast<int64_t>(body.size()));
    started_ = true;
    return body.empty() ? api_->write(ex_, "", 0) == 0 : write(body);
  }
  // True once body bytes (or the headers) were sent.
  bool started() const { return started_; }

  const wharf_http_api* api() const { return api_; }
  wharf_http_exchange* raw() const { return ex_; }

 private:
  static std::string s(const char* p) { return p ? p : ""; }
  static std::optional<std::string> o(const char* p) {
    if (!p) return std::nullopt;
    return std::string(p);
  }
  const wharf_http_api* api_;
  wharf_http_exchange* ex_;
  bool started_ = false;
};

class HttpService : public Instance {
 public:
  virtual std::vector<std::string> routes() = 0;
  virtual void handle(Exchange& ex) = 0;
  // Answers an exception that escaped handle(); override to use the service's error format.
  virtual void handleException(Exchange& ex, const std::exception& e) {
    if (ex.started()) return;
    ex.respond(500, "application/json", toJsonText(Json{{"error", e.what()}}));
  }

  static const wharf_http_service_v1* table() {
    static const wharf_http_service_v1 t = [] {
      wharf_http_service_v1 t{};
      t.struct_size = sizeof(wharf_http_service_v1);
      t.routes = [](void* inst) -> const char* const* {
        auto* self = static_cast<HttpService*>(inst);
        try {
          self->route_strings_ = self->routes();
        } catch (...) {
          self->route_strings_.clear();
        }
        self->route_ptrs_.clear();
        for (auto& r : self->route_strings_) self->route_ptrs_.push_back(r.c_str());
        self->route_ptrs_.push_back(nullptr);
        return self->route_ptrs_.data();
      };
      t.handle = [](void* inst, wharf_http_exchange* raw) {
        auto* self = static_cast<HttpService*>(inst);
        Exchange ex(self->api_, raw);
        try {
          self->handle(ex);
        } catch (const std::exception& e) {
          try {
            self->handleException(ex, e);
          } catch (...) {
          }
        } catch (...) {
        }
      };
      return t;
    }();
    return &t;
  }

 protected:
  explicit HttpService(const Host& host) : api_(host.api()->http) {}

 private:
  const wharf_http_api* api_;
  std::vector<std::string> route_strings_;
  std::vector<const char*> route_ptrs_;
};

// Host side: calls an http-service instance through its table.
class HttpServiceClient {
 public:
  HttpServiceClient() = default;
  HttpServiceClient(const wharf_http_service_v1* t, void* inst) : t_(t), inst_(inst) {}
  std::vector<std::string> routes() const {
    std::vector<std::string> out;
    const char* const* r = t_->routes(inst_);
    for (; r && *r; ++r) out.emplace_back(*r);
    return out;
  }
  void handle(wharf_http_exchange* ex) const { t_->handle(inst_, ex); }

 private:
  const wharf_http_service_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

}  // namespace wharf

#define WHARF_HTTP_SERVICE_PLUGIN(Class, Name, Version, Description, Keys)                \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::HttpService, WHARF_KIND_HTTP_SERVICE, Name, Version, \
                     Description, Keys)

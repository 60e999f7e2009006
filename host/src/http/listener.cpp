#include "http/listener.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <sys/socket.h>

#include "config/config_error.hpp"
#include "http/exchange.hpp"
#include "json/json_body.hpp"
#include "logging/logging.hpp"
#include "tls/tls_context.hpp"

namespace wharf::host {

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr uint64_t kDiscardLimit = 1 << 20;  // body bytes skipped to keep a connection alive

std::string client_host(const Poco::Net::SocketAddress& addr) { return addr.host().toString(); }

class Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, Listener& listener,
             Poco::Net::HTTPServerParams::Ptr params)
      : TCPServerConnection(socket), listener_(listener), params_(std::move(params)) {}

  void run() override {
    std::string client;
    try {
      client = client_host(socket().peerAddress());
    } catch (...) {
      return;
    }
    const ListenerConfig& cfg = listener_.config();
    listener_.track(&socket(), true);
    struct Untrack {
      Listener& l;
      Poco::Net::StreamSocket* s;
      ~Untrack() { l.track(s, false); }
    } untrack{listener_, &socket()};
    ServerSession session(socket(), params_);
    while (session.hasMoreRequests()) {
      HttpExchange ex(session, socket(), client, listener_.tls(), ExchangeLimits{cfg.max_body});
      try {
        ex.read_head(cfg.max_header_fields, cfg.max_header_bytes);
      } catch (const Poco::Net::NoMessageException&) {
        break;
      } catch (const Poco::Net::MessageException& e) {
        // Poco refuses over-long names/values and too many fields with a MessageException;
        // read_head() adds the total size.
        std::string what = e.message();
        bool too_large = what.find("Field name too long") != std::string::npos ||
                         what.find("Field value too long") != std::string::npos ||
                         what.find("Too many header fields") != std::string::npos ||
                         what.find("Request header too large") != std::string::npos;
        int status = too_large ? 431 : 400;
        ex.set_keep_alive(false);
        ex.respond(
            status, "application/json",
            host_error_json(status, too_large ? "request_header_fields_too_large" : "bad_request",
                            too_large ? "request header fields too large: " + what
                                      : "malformed request: " + what));
        ex.finish();
        break;
      } catch (const Poco::Exception&) {
        break;  // timeout or connection reset while waiting for a request
      } catch (const std::exception&) {
        break;
      }
      bool keep = false;
      try {
        listener_.serve(ex, client);
        keep = ex.finish();
        if (keep) keep = ex.discard_body(kDiscardLimit);
      } catch (const std::exception& e) {
        host_logger().error("listener " + cfg.name + ": " + e.what());
        keep = false;
      }
      session.setKeepAlive(keep && cfg.keep_alive && session.canKeepAlive());
      if (!keep) {
        linger();
        break;
      }
    }
  }

 private:
  // Before closing, half-close and discard what the client is still sending (a body we refused
  // with 413, say) for a short while, so that it reads our answer instead of a connection reset.
  void linger() {
    try {
      socket().shutdownSend();
      char buf[65536];
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      size_t total = 0;
      while (std::chrono::steady_clock::now() < deadline && total < (64u << 20)) {
        if (!socket().poll(Poco::Timespan(0, 200000), Poco::Net::Socket::SELECT_READ)) continue;
        int n = socket().receiveBytes(buf, sizeof buf);
        if (n <= 0) break;
        total += static_cast<size_t>(n);
      }
    } catch (...) {
    }
  }

  Listener& listener_;
  Poco::Net::HTTPServerParams::Ptr params_;
};

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Listener& listener, Poco::Net::HTTPServerParams::Ptr params)
      : listener_(listener), params_(std::move(params)) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, listener_, params_);
  }

 private:
  Listener& listener_;
  Poco::Net::HTTPServerParams::Ptr params_;
};

Poco::Timespan seconds_span(double s) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(s * 1e6));
}

}  // namespace

Listener::Listener(const ListenerConfig& config, const std::string& config_file,
                   const std::string& data_dir, MetricsHub& metrics,
                   const std::atomic<bool>& draining)
    : config_(config), metrics_(metrics, config.name), draining_(draining) {
  const std::string section = "listener." + config_.name;
  Poco::Net::SocketAddress addr;
  try {
    addr = Poco::Net::SocketAddress(config_.bind.host, config_.bind.port);
  } catch (const Poco::Exception& e) {
    throw ConfigError(config_file, 0, section, "bind",
                      "cannot resolve " + config_.bind.str() + ": " + e.displayText());
  }
  try {
    if (config_.tls != TlsMode::Off) {
      auto ctx = make_server_tls_context(config_, data_dir);
      auto* s = new Poco::Net::SecureServerSocket(ctx);
      socket_.reset(s);
    } else {
      socket_ = std::make_unique<Poco::Net::ServerSocket>();
    }
    socket_->bind(addr, true, false);
    socket_->listen(1024);
  } catch (const ConfigError&) {
    throw;
  } catch (const Poco::Exception& e) {
    std::string why = e.displayText();
    if (why.find("in use") != std::string::npos)
      why = "address " + config_.bind.str() + " is already in use";
    else
      why = "cannot listen on " + config_.bind.str() + ": " + why;
    throw ConfigError(config_file, 0, section, "bind", why);
  } catch (const std::exception& e) {
    throw ConfigError(config_file, 0, section, config_.tls == TlsMode::Off ? "bind" : "tls",
                      e.what());
  }
  access_log_ = make_access_logger(config_.name, config_.access_log, LogFormat::Text);
  last_done_ns_ = now_ns();
}

Listener::~Listener() { stop(); }

void Listener::track(Poco::Net::StreamSocket* socket, bool add) {
  std::lock_guard lock(connections_mutex_);
  if (add)
    connections_.insert(socket);
  else
    connections_.erase(socket);
}

void Listener::cancel_reads() {
  std::lock_guard lock(connections_mutex_);
  for (auto* s : connections_) {
    // shutdown(2) on the descriptor itself: a TLS socket's shutdownReceive() does not wake a
    // worker blocked in SSL_read on an idle keep-alive connection.
    try {
      ::shutdown(s->impl()->sockfd(), SHUT_RD);
    } catch (...) {
    }
  }
}

void Listener::stop() {
  stop_accepting();
  cancel_reads();
  if (pool_) pool_->joinAll();
  server_.reset();
}

uint16_t Listener::port() const { return socket_->address().port(); }

void Listener::start() {
  pool_ = std::make_unique<Poco::ThreadPool>("wharf-" + config_.name, config_.min_threads,
                                             config_.max_threads, 60);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setTimeout(seconds_span(config_.request_timeout));
  params->setKeepAlive(config_.keep_alive);
  params->setKeepAliveTimeout(seconds_span(config_.idle_timeout));
  params->setMaxKeepAliveRequests(config_.max_keep_alive_requests);
  params->setMaxThreads(config_.max_threads);
  params->setMaxQueued(config_.max_queued);
  // A dispatcher thread that misses Poco's stop notification (a race in TCPServerDispatcher, seen
  // as shutdowns hanging for the whole idle time under load) notices the stop when its idle wait
  // ends, so keep that wait short; idle dispatchers just go back to the pool and are reused.
  params->setThreadIdleTime(Poco::Timespan(1, 0));
  server_ = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(*this, params), *pool_,
                                                   *socket_, params);
  server_->start();
  host_logger().information("listener " + config_.name + " on " + (tls() ? "https://" : "http://") +
                            config_.bind.host + ":" + std::to_string(port()));
}

void Listener::stop_accepting() {
  if (server_) server_->stop();
}

bool Listener::stalled(double seconds) const {
  if (in_flight_.load() < config_.max_threads) return false;
  return (now_ns() - last_done_ns_.load()) / 1e9 > seconds;
}

void Listener::serve(HttpExchange& ex, const std::string& client) {
  auto start = std::chrono::steady_clock::now();
  ++in_flight_;
  metrics_.started();
  // However the request ends (a handler may throw), it is no longer in flight: a leaked count
  // would hold every later drain for its whole drain_timeout.
  struct Done {
    Listener& l;
    HttpExchange& ex;
    const std::string& client;
    std::chrono::steady_clock::time_point start;
    ~Done() {
      try {
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        l.metrics_.finished(ex.method(), ex.route(), ex.status(), seconds);
        if (l.access_log_) l.log_access(ex, client, seconds);
      } catch (...) {
      }
      l.last_done_ns_ = now_ns();
      --l.in_flight_;
    }
  } done{*this, ex, client, start};
  ex.add_header("Server", "wharf");
  const Route* route = nullptr;
  if (!allows(client)) {
    ex.set_route("denied");
    ex.set_keep_alive(false);
    ex.respond(403, "application/json",
               host_error_json(403, "forbidden",
                               "client " + client + " is not allowed on listener " + config_.name));
  } else if (config_.max_body && ex.content_length() > 0 &&
             static_cast<uint64_t>(ex.content_length()) > config_.max_body) {
    ex.set_route("too_large");
    ex.set_keep_alive(false);
    ex.respond(413, "application/json",
               host_error_json(413, "payload_too_large",
                               "request body of " + std::to_string(ex.content_length()) +
                                   " bytes exceeds max_body " + std::to_string(config_.max_body) +
                                   " of listener " + config_.name));
  } else if (!(route = router_.match(ex.path()))) {
    ex.set_route("unmatched");
    ex.respond(404, "application/json",
               host_error_json(404, "not_found", "no service answers " + ex.path()));
  } else if (!route->builtin && draining_.load()) {
    ex.set_route(route->claim);
    ex.set_keep_alive(false);
    ex.add_header("Retry-After", "5");
    ex.respond(503, "application/json", host_error_json(503, "unavailable", "server is draining"));
  } else {
    ex.set_route(route->claim);
    route->handler(ex);
    if (ex.body_too_large() && !ex.headers_sent()) {
      ex.set_keep_alive(false);
      ex.respond(
          413, "application/json",
          host_error_json(413, "payload_too_large",
                          "request body exceeds max_body " + std::to_string(config_.max_body)));
    }
  }
  if (draining_.load()) ex.set_keep_alive(false);
}

void Listener::log_access(HttpExchange& ex, const std::string& client, double seconds) {
  const char* ua = ex.header("User-Agent");
  const std::string line = to_json_text(
      {{"ts", Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%iZ")},
       {"listener", config_.name},
       {"client", client},
       {"method", ex.method()},
       {"path", ex.raw_path()},
       {"route", ex.route()},
       {"status", ex.status()},
       {"bytes", ex.bytes_sent()},
       {"duration_ms", seconds * 1000},
       {"user_agent", ua ? ua : ""}});
  access_log_->information(line);
}

}  // namespace wharf::host

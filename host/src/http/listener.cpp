#include "http/listener.hpp"

#include <Poco/DateTimeFormatter.h>
#include <poll.h>
#include <sys/socket.h>

#include "config/config_error.hpp"
#include "http/exchange.hpp"
#include "json/json_body.hpp"
#include "logging/logging.hpp"
#include "tls/tls_context.hpp"

namespace wharf::host {

namespace {

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr uint64_t kDiscardLimit = 1 << 20;  // body bytes skipped to keep a connection alive

// A kept-alive client usually sends its next request at once: a worker waits this long for it
// before handing the connection to the waiting room, saving two thread hand-offs per request under
// load. Never longer, so that an idle client does not hold the worker.
constexpr double kNextRequestWait = 0.002;

// Reads what the client has sent within kNextRequestWait into the buffer; false when the
// connection ended (the caller drops it). A read comes first: TLS may hold decrypted bytes that
// the descriptor does not show.
bool awaitNextRequest(Connection& c) {
  for (int i = 0; i < 4; ++i) {
    long n = c.fill();
    if (n > 0) continue;
    if (n == Transport::kClosed || n == Transport::kError) return false;
    if (i > 0 || !c.transport().wait(POLLIN, kNextRequestWait)) return true;  // nothing (more) yet
  }
  return true;
}

HeadLimits headLimits(const ListenerConfig& cfg) {
  return HeadLimits{static_cast<size_t>(cfg.max_header_fields),
                    static_cast<size_t>(cfg.max_header_bytes)};
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
    if (config_.tls != TlsMode::Off) tls_context_ = makeServerTlsContext(config_, data_dir);
    socket_.bind(addr, true, false);
    socket_.listen(4096);
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
  access_log_ = makeAccessLogger(config_.name, config_.access_log, LogFormat::Text);
  last_done_ns_ = nowNs();
}

Listener::~Listener() { stop(); }

void Listener::track(Connection* connection, bool add) {
  std::lock_guard lock(connections_mutex_);
  if (add)
    connections_.insert(connection);
  else
    connections_.erase(connection);
}

void Listener::cancelReads() {
  if (room_) room_->closeWaiting();
  std::lock_guard lock(connections_mutex_);
  // shutdown(2) on the descriptor: a worker waiting for body bytes wakes with end-of-file.
  for (auto* c : connections_) c->transport().shutdownReceive();
}

void Listener::stop() {
  stopAccepting();
  cancelReads();
  if (workers_) workers_->stop();
  workers_.reset();
  room_.reset();
}

uint16_t Listener::port() const { return socket_.address().port(); }

void Listener::start() {
  workers_ = std::make_unique<WorkerPool>(
      "wharf-" + config_.name, config_.min_threads, config_.max_threads,
      static_cast<size_t>(config_.max_queued), [this](WorkItem item) { work(std::move(item)); });
  WaitingRoomConfig room;
  room.name = config_.name;
  room.tls = tls_context_ ? tls_context_->sslContext() : nullptr;
  room.limits = headLimits(config_);
  room.header_timeout = config_.header_timeout;
  room.idle_timeout = config_.keep_alive ? config_.idle_timeout : config_.header_timeout;
  room.max_connections = static_cast<size_t>(config_.max_connections);
  room.max_connections_per_client = static_cast<size_t>(config_.max_connections_per_client);
  room_ = std::make_unique<WaitingRoom>(socket_.impl()->sockfd(), room,
                                        [this](WorkItem& item) { return workers_->submit(item); });
  room_->start();
  hostLogger().information("listener " + config_.name + " on " + (tls() ? "https://" : "http://") +
                           config_.bind.host + ":" + std::to_string(port()));
}

void Listener::work(WorkItem item) {
  std::unique_ptr<Connection> conn = std::move(item.connection);
  RequestHead head = std::move(item.head);
  const ListenerConfig& cfg = config_;
  for (;;) {
    bool keep = false;
    {
      track(conn.get(), true);
      struct Untrack {
        Listener& l;
        Connection* c;
        ~Untrack() { l.track(c, false); }
      } untrack{*this, conn.get()};
      HttpExchange ex(*conn, std::move(head), ExchangeLimits{cfg.max_body, cfg.request_timeout});
      ++conn->requests;
      if (!cfg.keep_alive ||
          (cfg.max_keep_alive_requests > 0 && conn->requests >= cfg.max_keep_alive_requests))
        ex.setKeepAlive(false);
      try {
        serve(ex, conn->client());
        keep = ex.finish();
        if (keep) keep = ex.discardBody(kDiscardLimit);
      } catch (const std::exception& e) {
        hostLogger().error("listener " + cfg.name + ": " + e.what());
        keep = false;
      }
    }
    if (!keep || draining_.load()) {
      // The waiting room drains what the client still sends (a refused body, say), so that it
      // reads the answer instead of a reset, without holding this worker.
      room_->closeLingering(std::move(conn));
      return;
    }
    HeadParse next = parseRequestHead(conn->buffered(), headLimits(cfg));
    if (next.state == HeadParse::State::Incomplete && !awaitNextRequest(*conn)) return;
    if (next.state == HeadParse::State::Incomplete)
      next = parseRequestHead(conn->buffered(), headLimits(cfg));
    if (next.state != HeadParse::State::Complete) {
      room_->giveBack(std::move(conn));  // also answers a malformed pipelined head
      return;
    }
    conn->consume(next.consumed);
    head = std::move(next.head);
  }
}

void Listener::stopAccepting() {
  if (room_) room_->stop();
}

bool Listener::stalled(double seconds) const {
  if (in_flight_.load() < config_.max_threads) return false;
  return (nowNs() - last_done_ns_.load()) / 1e9 > seconds;
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
        if (l.access_log_) l.logAccess(ex, client, seconds);
      } catch (...) {
      }
      l.last_done_ns_ = nowNs();
      --l.in_flight_;
    }
  } done{*this, ex, client, start};
  ex.addHeader("Server", "wharf");
  const Route* route = nullptr;
  if (!allows(client)) {
    ex.setRoute("denied");
    ex.setKeepAlive(false);
    ex.respond(403, "application/json",
               hostErrorJson(403, "forbidden",
                             "client " + client + " is not allowed on listener " + config_.name));
  } else if (ex.targetHasNul()) {
    ex.setRoute("malformed");
    ex.setKeepAlive(false);
    ex.respond(400, "application/json",
               hostErrorJson(400, "bad_request", "the request target holds an encoded NUL (%00)"));
  } else if (config_.max_body && ex.contentLength() > 0 &&
             static_cast<uint64_t>(ex.contentLength()) > config_.max_body) {
    ex.setRoute("too_large");
    ex.setKeepAlive(false);
    ex.respond(413, "application/json",
               hostErrorJson(413, "payload_too_large",
                             "request body of " + std::to_string(ex.contentLength()) +
                                 " bytes exceeds max_body " + std::to_string(config_.max_body) +
                                 " of listener " + config_.name));
  } else if (!(route = router_.match(ex.path()))) {
    ex.setRoute("unmatched");
    ex.respond(404, "application/json",
               hostErrorJson(404, "not_found", "no service answers " + ex.path()));
  } else if (!route->builtin && draining_.load()) {
    ex.setRoute(route->claim);
    ex.setKeepAlive(false);
    ex.addHeader("Retry-After", "5");
    ex.respond(503, "application/json", hostErrorJson(503, "unavailable", "server is draining"));
  } else {
    ex.setRoute(route->claim);
    route->handler(ex);
    if (ex.bodyTooLarge() && !ex.headersSent()) {
      ex.setKeepAlive(false);
      ex.respond(
          413, "application/json",
          hostErrorJson(413, "payload_too_large",
                        "request body exceeds max_body " + std::to_string(config_.max_body)));
    }
  }
  if (draining_.load()) ex.setKeepAlive(false);
}

void Listener::logAccess(HttpExchange& ex, const std::string& client, double seconds) {
  const char* ua = ex.header("User-Agent");
  const std::string line = toJsonText(
      {{"ts", Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%iZ")},
       {"listener", config_.name},
       {"client", client},
       {"method", ex.method()},
       {"path", ex.rawPath()},
       {"route", ex.route()},
       {"status", ex.status()},
       {"bytes", ex.bytesSent()},
       {"duration_ms", seconds * 1000},
       {"user_agent", ua ? ua : ""}});
  access_log_->information(line);
}

}  // namespace wharf::host

// One [listener.<name>]: a bound (optionally TLS) server socket, a Poco TCPServer with the
// listener's own thread pool, and the per-connection HTTP loop that applies the allow-list, header
// and body limits, routes requests and records metrics and the access log.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "config/host_config.hpp"
#include "http/router.hpp"
#include "metrics/http_metrics.hpp"

namespace wharf::host {

class Listener {
 public:
  // Binds the socket (throws ConfigError naming [listener.<name>] bind when it cannot).
  Listener(const ListenerConfig& config, const std::string& config_file,
           const std::string& data_dir, MetricsHub& metrics, const std::atomic<bool>& draining);
  ~Listener();

  Router& router() { return router_; }
  const ListenerConfig& config() const { return config_; }
  uint16_t port() const;

  void start();
  // Stops accepting; connections in progress go on until they finish.
  void stop_accepting();
  // Shuts down the read side of every connection: idle keep-alive connections close, a body being
  // read fails; responses can still be written.
  void cancel_reads();
  // Stops accepting, closes idle keep-alive connections and joins the workers.
  void stop();
  void track(Poco::Net::StreamSocket* socket, bool add);
  int in_flight() const { return in_flight_.load(); }
  // Seconds since a request last finished, and whether every worker is busy (watchdog).
  bool stalled(double seconds) const;

  // Called by connections.
  void serve(class HttpExchange& ex, const std::string& client);
  bool allows(const std::string& client) const { return config_.allow.allows(client); }
  bool tls() const { return config_.tls != TlsMode::Off; }

 private:
  void log_access(HttpExchange& ex, const std::string& client, double seconds);

  ListenerConfig config_;
  Router router_;
  HttpMetrics metrics_;
  const std::atomic<bool>& draining_;
  Poco::Logger* access_log_ = nullptr;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
  std::atomic<int> in_flight_{0};
  std::mutex connections_mutex_;
  std::set<Poco::Net::StreamSocket*> connections_;
  std::atomic<int64_t> last_done_ns_{0};
};

}  // namespace wharf::host

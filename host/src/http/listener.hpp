// One [listener.<name>]: a bound server socket, its waiting room (one thread that accepts and
// holds connections until a request head is complete: waiting_room.hpp) and its workers
// (worker_pool.hpp), each serving one request at a time: the allow-list, body limits, routing,
// metrics and the access log. A kept-alive connection goes back to the waiting room between
// requests; one whose next request is already buffered (pipelining) is served on.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "config/host_config.hpp"
#include "http/router.hpp"
#include "http/waiting_room.hpp"
#include "http/worker_pool.hpp"
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
  void stopAccepting();
  // Shuts down the read side of every connection: idle keep-alive connections close, a body being
  // read fails; responses can still be written.
  void cancelReads();
  // Stops accepting, closes idle keep-alive connections and joins the workers.
  void stop();
  int inFlight() const { return in_flight_.load(); }
  // Seconds since a request last finished, and whether every worker is busy (watchdog).
  bool stalled(double seconds) const;

  // Called by connections.
  void serve(class HttpExchange& ex, const std::string& client);
  bool allows(const std::string& client) const { return config_.allow.allows(client); }
  bool tls() const { return config_.tls != TlsMode::Off; }

 private:
  void logAccess(HttpExchange& ex, const std::string& client, double seconds);
  // A worker's job: serves the request, and those pipelined behind it, then hands the connection
  // back to the waiting room or closes it.
  void work(WorkItem item);
  void track(Connection* connection, bool add);

  ListenerConfig config_;
  Router router_;
  HttpMetrics metrics_;
  const std::atomic<bool>& draining_;
  Poco::Logger* access_log_ = nullptr;
  Poco::Net::ServerSocket socket_;
  Poco::Net::Context::Ptr tls_context_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<WaitingRoom> room_;
  std::atomic<int> in_flight_{0};
  std::mutex connections_mutex_;
  std::set<Connection*> connections_;  // being served
  std::atomic<int64_t> last_done_ns_{0};
};

}  // namespace wharf::host

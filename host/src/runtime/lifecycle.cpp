#include "runtime/lifecycle.hpp"

#include <pthread.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "logging/logging.hpp"
#include "runtime/server.hpp"

namespace wharf::host {

namespace {

sigset_t lifecycle_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Pings the systemd watchdog at half its interval while no listener is stalled, so that a hung
// host is restarted by systemd (Restart=on-failure with WatchdogSec=).
class Watchdog {
 public:
  explicit Watchdog(Server& server) : server_(server) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    interval_ = std::chrono::microseconds(usec / 2);
    thread_ = std::thread([this, usec] { loop(static_cast<double>(usec) / 1e6); });
    host_logger().information("systemd watchdog every " + std::to_string(usec / 2000) + " ms");
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop(double watchdog_seconds) {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
      if (server_.stalled(watchdog_seconds)) {
        host_logger().warning(
            "watchdog: a listener is stalled (all workers busy, nothing finished); not pinging");
        continue;
      }
      sd_notify(0, "WATCHDOG=1");
    }
  }
  Server& server_;
  std::chrono::microseconds interval_{0};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace

void block_lifecycle_signals() {
  sigset_t set = lifecycle_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_until_stopped(Server& server) {
  sd_notify(0, "READY=1\nSTATUS=serving");
  host_logger().information("wharfd ready");
  sigset_t set = lifecycle_signals();
  {
    Watchdog watchdog(server);
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        sd_notify(0, "RELOADING=1");
        host_logger().information("SIGHUP: reloading instance files");
        for (auto& [instance, error] : server.reload())
          host_logger().error("reload of '" + instance + "' failed: " + error);
        sd_notify(0, "READY=1");
        continue;
      }
      host_logger().information(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                ": draining");
      break;
    }
  }
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
  server.begin_drain();
  int left = server.wait_for_idle(server.config().drain_timeout);
  if (left > 0)
    host_logger().warning(std::to_string(left) +
                          " request(s) still in flight after drain_timeout; stopping anyway");
  server.stop();
  host_logger().information("stopped");
  return EXIT_SUCCESS;
}

}  // namespace wharf::host

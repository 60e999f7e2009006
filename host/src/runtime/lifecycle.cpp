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

sigset_t lifecycleSignals() {
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
    hostLogger().information("systemd watchdog every " + std::to_string(usec / 2000) + " ms");
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
        hostLogger().warning(
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

// After drain_timeout, in-flight work gets this long to end once asked, and stopping the listeners
// and instances this long more: wharfd exits within drain_timeout + 2 s.
constexpr double kAbortGraceSeconds = 1.0;
constexpr double kStopSeconds = 0.8;

// Ends the process if it is still running `seconds` from now (something ignored the stop), unless
// disarmed first.
class LastResort {
 public:
  explicit LastResort(double seconds)
      : thread_([this, seconds] {
          std::unique_lock lock(mutex_);
          if (cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return done_; }))
            return;
          hostLogger().error("stop did not complete in time; exiting without waiting");
          std::_Exit(EXIT_FAILURE);
        }) {}
  ~LastResort() {
    disarm();
    thread_.join();
  }
  void disarm() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

void blockLifecycleSignals() {
  sigset_t set = lifecycleSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int runUntilStopped(Server& server) {
  sd_notify(0, "READY=1\nSTATUS=serving");
  hostLogger().information("wharfd ready");
  sigset_t set = lifecycleSignals();
  {
    Watchdog watchdog(server);
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        sd_notify(0, "RELOADING=1");
        hostLogger().information("SIGHUP: reloading instance files");
        for (auto& [instance, error] : server.reload())
          hostLogger().error("reload of '" + instance + "' failed: " + error);
        sd_notify(0, "READY=1");
        continue;
      }
      hostLogger().information(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                               ": draining");
      break;
    }
  }
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
  server.beginDrain();
  int left = server.waitForIdle(server.config().drain_timeout);
  if (left > 0) {
    hostLogger().warning(std::to_string(left) +
                         " request(s) still in flight after drain_timeout; ending them now");
    // Generations end with finish_reason "abort", uploads are cancelled. Whatever still runs once
    // the grace period has passed does not hold the exit.
    LastResort last_resort(kAbortGraceSeconds + kStopSeconds);
    server.abortInFlight();
    left = server.waitForIdle(kAbortGraceSeconds);
    if (left > 0)
      hostLogger().error(std::to_string(left) + " request(s) did not end when asked to");
    server.stop();
    last_resort.disarm();
  } else {
    server.stop();
  }
  hostLogger().information("stopped");
  return EXIT_SUCCESS;
}

}  // namespace wharf::host

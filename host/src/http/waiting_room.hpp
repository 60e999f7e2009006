// The waiting room of one listener: a single epoll thread that accepts connections and holds
// every connection that is not being served -- new ones until their first request head is
// complete, keep-alive ones between requests -- reading heads without blocking and handing each
// complete head with its connection to the workers. An idle or slow connection costs a descriptor
// and a buffer, never a worker. The room enforces the head deadline (header_timeout), the idle
// deadline (idle_timeout), max_connections and max_connections_per_client, answers what it can
// refuse itself (a malformed head 400/431/505, a head too slow 408, no room 503) and closes
// lingering, so the client reads the answer instead of a reset.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection.hpp"
#include "http/request_head.hpp"
#include "http/worker_pool.hpp"

namespace wharf::host {

struct WaitingRoomConfig {
  std::string name;        // the listener's
  SSL_CTX* tls = nullptr;  // null: plain TCP
  HeadLimits limits;
  double header_timeout = 10;             // from accept, or from a keep-alive request's first byte
  double idle_timeout = 60;               // a keep-alive connection between requests
  size_t max_connections = 0;             // open on the listener, served or waiting (0 = unlimited)
  size_t max_connections_per_client = 0;  // from one address (0 = unlimited)
};

class WaitingRoom {
 public:
  // dispatch: hands a complete request to the workers; false when they have no room (the room
  // then answers 503 and closes).
  using Dispatch = std::function<bool(WorkItem&)>;
  WaitingRoom(int listen_fd, WaitingRoomConfig config, Dispatch dispatch);
  ~WaitingRoom();

  void start();
  // Returns a served keep-alive connection to wait for its next request (any thread).
  void giveBack(std::unique_ptr<Connection> connection);
  // Takes a connection whose last answer ends it: half-closes it and drops what the client still
  // sends until it closes or 2 s pass, here rather than in a worker (any thread).
  void closeLingering(std::unique_ptr<Connection> connection);
  // Closes every connection waiting here (drain: idle keep-alive connections end).
  void closeWaiting();
  // Stops accepting and closes everything waiting; joins the thread.
  void stop();

 private:
  struct Waiter;
  struct Admissions;

  void loop();
  void acceptAll();
  void admit(int fd, const std::string& client);
  void onEvent(Waiter* w, uint32_t events);
  void readHead(Waiter* w);
  void refuse(Waiter* w, int status, const std::string& code, const std::string& message);
  void linger(Waiter* w);
  void startLinger(Waiter* w);
  Waiter* add(std::unique_ptr<Connection> connection);
  void watch(Waiter* w, uint32_t events);
  void remove(Waiter* w);
  void sweep(std::chrono::steady_clock::time_point now);
  void takeReturns();
  void wake();

  const int listen_fd_;
  const WaitingRoomConfig config_;
  Dispatch dispatch_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int reserve_fd_ = -1;  // closed to accept-and-close when out of descriptors
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> close_waiting_{false};
  std::unordered_map<Waiter*, std::unique_ptr<Waiter>> waiters_;
  std::mutex returns_mutex_;
  std::vector<std::pair<std::unique_ptr<Connection>, bool>> returns_;  // (connection, closing)
  std::shared_ptr<Admissions> admissions_;
};

}  // namespace wharf::host

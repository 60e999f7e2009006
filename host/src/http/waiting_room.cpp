#include "http/waiting_room.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "json/json_body.hpp"
#include "logging/logging.hpp"

namespace wharf::host {

namespace {
using Clock = std::chrono::steady_clock;

constexpr int kMaxEvents = 256;
constexpr auto kSweepEvery = std::chrono::milliseconds(200);
constexpr auto kLingerFor = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 64u << 20;
constexpr int kFillsPerEvent = 8;  // fairness: a fast sender cannot hold the thread

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

std::string errorResponse(int status, const std::string& code, const std::string& message,
                          bool retry_after) {
  std::string body = hostErrorJson(status, code, message);
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " +
                  Poco::Net::HTTPResponse::getReasonForStatus(
                      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)) +
                  "\r\nServer: wharf\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n";
  if (retry_after) r += "Retry-After: 1\r\n";
  return r + "\r\n" + body;
}

// Best effort on a non-blocking transport: what does not fit now is dropped (an error answer is
// small; the socket's send buffer is empty when it is written).
void sendNow(Transport& t, const std::string& data) {
  size_t off = 0;
  for (int tries = 0; off < data.size() && tries < 8; ++tries) {
    long n = t.sendSome(data.data() + off, data.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}
}  // namespace

struct WaitingRoom::Waiter {
  enum class State { Head, Linger };
  std::unique_ptr<Connection> conn;
  State state = State::Head;
  bool got_bytes = false;  // of the head being waited for
  bool idle = false;       // a keep-alive connection: its head deadline starts at the first byte
  uint32_t events = 0;     // registered with epoll
  Clock::time_point deadline;
  size_t lingered = 0;
};

// Open connections by client, released by each connection's slot (in whichever thread ends it).
struct WaitingRoom::Admissions {
  std::mutex mutex;
  size_t total = 0;
  std::unordered_map<std::string, size_t> by_client;

  void release(const std::string& client) {
    std::lock_guard lock(mutex);
    --total;
    auto it = by_client.find(client);
    if (it != by_client.end() && --it->second == 0) by_client.erase(it);
  }
};

WaitingRoom::WaitingRoom(int listen_fd, WaitingRoomConfig config, Dispatch dispatch)
    : listen_fd_(listen_fd),
      config_(std::move(config)),
      dispatch_(std::move(dispatch)),
      admissions_(std::make_shared<Admissions>()) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0)
    throw std::runtime_error(std::string("cannot set up the waiting room: ") +
                             std::strerror(errno));
  ::fcntl(listen_fd_, F_SETFL, ::fcntl(listen_fd_, F_GETFL) | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listening socket
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = &wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

WaitingRoom::~WaitingRoom() {
  stop();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void WaitingRoom::start() {
  thread_ = std::thread([this] { loop(); });
  std::string name = ("wr-" + config_.name).substr(0, 15);
  pthread_setname_np(thread_.native_handle(), name.c_str());
}

void WaitingRoom::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void WaitingRoom::giveBack(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(returns_mutex_);
    if (!stop_.load()) returns_.emplace_back(std::move(connection), false);
  }
  wake();  // a connection not taken (stopping) closes here
}

void WaitingRoom::closeLingering(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(returns_mutex_);
    if (!stop_.load()) returns_.emplace_back(std::move(connection), true);
  }
  wake();
}

void WaitingRoom::closeWaiting() {
  close_waiting_ = true;
  wake();
}

void WaitingRoom::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  wake();
  thread_.join();
  std::lock_guard lock(returns_mutex_);
  returns_.clear();
}

void WaitingRoom::watch(Waiter* w, uint32_t events) {
  if (w->events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = w;
  ::epoll_ctl(epoll_fd_, w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->conn->transport().fd(), &ev);
  w->events = events;
}

void WaitingRoom::remove(Waiter* w) {
  if (w->events) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w->conn->transport().fd(), nullptr);
  waiters_.erase(w);
}

void WaitingRoom::loop() {
  epoll_event events[kMaxEvents];
  auto last_sweep = Clock::now();
  while (!stop_.load()) {
    int n = ::epoll_wait(epoll_fd_, events, kMaxEvents,
                         static_cast<int>(kSweepEvery / std::chrono::milliseconds(1)));
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == nullptr) {
        acceptAll();
      } else if (tag == &wake_fd_) {
        uint64_t v;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &v, sizeof v);
      } else {
        auto* w = static_cast<Waiter*>(tag);
        if (waiters_.count(w)) onEvent(w, events[i].events);
      }
    }
    takeReturns();
    if (close_waiting_.exchange(false)) {
      std::vector<Waiter*> all;
      for (auto& [w, _] : waiters_)
        if (w->state == Waiter::State::Head) all.push_back(w);
      for (Waiter* w : all) remove(w);
    }
    auto now = Clock::now();
    if (now - last_sweep >= kSweepEvery) {
      sweep(now);
      last_sweep = now;
    }
  }
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  waiters_.clear();
}

void WaitingRoom::acceptAll() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: take the connection with the reserve and close it at once, so that
        // the backlog does not keep the loop busy.
        ::close(reserve_fd_);
        int victim = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (victim >= 0) ::close(victim);
        reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;  // EAGAIN: accepted everything; other errors: try again on the next event
    }
    std::string client;
    try {
      client = Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&addr), len).host().toString();
    } catch (...) {
      ::close(fd);
      continue;
    }
    admit(fd, client);
  }
}

void WaitingRoom::admit(int fd, const std::string& client) {
  const char* refusal = nullptr;
  {
    std::lock_guard lock(admissions_->mutex);
    size_t& mine = admissions_->by_client[client];
    if (config_.max_connections && admissions_->total >= config_.max_connections) {
      refusal = "the listener has max_connections open";
    } else if (config_.max_connections_per_client && mine >= config_.max_connections_per_client) {
      refusal = "this client has max_connections_per_client open";
    } else {
      ++mine;
      ++admissions_->total;
    }
    if (refusal && mine == 0) admissions_->by_client.erase(client);
  }
  if (refusal) {
    // Plain TCP gets a 503 it can read; a TLS client would need a handshake first: it is closed.
    if (!config_.tls) {
      std::string r =
          errorResponse(503, "unavailable", std::string("too many connections: ") + refusal, true);
      [[maybe_unused]] ssize_t n = ::send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(fd);
    return;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::unique_ptr<Connection> conn;
  try {
    conn = std::make_unique<Connection>(std::make_unique<Transport>(fd, config_.tls), client);
  } catch (const std::exception& e) {
    admissions_->release(client);
    hostLogger().warning("listener " + config_.name + ": " + e.what());
    return;
  }
  std::weak_ptr<Admissions> admissions = admissions_;
  conn->slot = std::shared_ptr<void>(nullptr, [admissions, client](void*) {
    if (auto a = admissions.lock()) a->release(client);
  });
  Waiter* w = add(std::move(conn));
  w->deadline = Clock::now() + seconds(config_.header_timeout);
  watch(w, EPOLLIN);
}

WaitingRoom::Waiter* WaitingRoom::add(std::unique_ptr<Connection> connection) {
  auto w = std::make_unique<Waiter>();
  w->conn = std::move(connection);
  Waiter* raw = w.get();
  waiters_.emplace(raw, std::move(w));
  return raw;
}

void WaitingRoom::takeReturns() {
  std::vector<std::pair<std::unique_ptr<Connection>, bool>> back;
  {
    std::lock_guard lock(returns_mutex_);
    back.swap(returns_);
  }
  for (auto& [conn, closing] : back) {
    Waiter* w = add(std::move(conn));
    if (closing) {
      w->conn->transport().shutdownSend();
      startLinger(w);
      continue;
    }
    w->deadline = Clock::now() + seconds(config_.idle_timeout);
    w->idle = true;
    watch(w, EPOLLIN);
    // What came pipelined, or what TLS decrypted already, raises no event: look now.
    if (!w->conn->buffered().empty() || w->conn->transport().tls()) readHead(w);
  }
}

void WaitingRoom::onEvent(Waiter* w, uint32_t) {
  if (w->state == Waiter::State::Linger) {
    linger(w);
    return;
  }
  readHead(w);
}

void WaitingRoom::readHead(Waiter* w) {
  Connection& c = *w->conn;
  const size_t limit = config_.limits.max_bytes;
  for (int i = 0; i < kFillsPerEvent && c.buffered().size() <= limit + 2; ++i) {
    long n = c.fill();
    if (n > 0) continue;
    if (n == Transport::kWantRead) {
      watch(w, EPOLLIN);
      break;
    }
    if (n == Transport::kWantWrite) {  // a TLS handshake waiting to write
      watch(w, EPOLLOUT);
      break;
    }
    remove(w);  // closed or failed before a complete head: nothing to answer
    return;
  }
  std::string_view data = c.buffered();
  if (data.empty()) return;
  if (!w->got_bytes) {
    w->got_bytes = true;
    if (w->idle) w->deadline = Clock::now() + seconds(config_.header_timeout);
  }
  if (!headMayBeComplete(data, c.scanned) && data.size() <= limit) {
    c.scanned = data.size();
    return;
  }
  HeadParse p = parseRequestHead(data, config_.limits);
  if (p.state == HeadParse::State::Incomplete) {
    c.scanned = data.size();
    return;
  }
  if (p.state == HeadParse::State::Error) {
    const int status = p.error.status;
    refuse(w, status,
           status == 431   ? "request_header_fields_too_large"
           : status == 505 ? "http_version_not_supported"
                           : "bad_request",
           status == 431 ? "request header fields too large: " + p.error.message : p.error.message);
    return;
  }
  c.consume(p.consumed);
  WorkItem item{std::move(w->conn), std::move(p.head)};
  if (w->events) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, item.connection->transport().fd(), nullptr);
  w->events = 0;
  if (dispatch_(item)) {
    waiters_.erase(w);
    return;
  }
  w->conn = std::move(item.connection);
  refuse(w, 503, "unavailable",
         "every worker of listener " + config_.name + " is busy and its queue is full");
}

void WaitingRoom::refuse(Waiter* w, int status, const std::string& code,
                         const std::string& message) {
  Transport& t = w->conn->transport();
  sendNow(t, errorResponse(status, code, message, status == 503));
  t.shutdownSend();
  startLinger(w);
}

void WaitingRoom::startLinger(Waiter* w) {
  w->state = Waiter::State::Linger;
  w->deadline = Clock::now() + kLingerFor;
  watch(w, EPOLLIN);
  linger(w);
}

// Reads and drops what the client still sends (the body of a refused request) until it closes,
// so that it reads the answer rather than a reset.
void WaitingRoom::linger(Waiter* w) {
  char buf[16384];
  for (int i = 0; i < kFillsPerEvent; ++i) {
    long n = w->conn->transport().recvSome(buf, sizeof buf);
    if (n == Transport::kWantRead || n == Transport::kWantWrite) return;  // more to come
    if (n <= 0) break;  // the client closed (or failed): done
    w->lingered += static_cast<size_t>(n);
    if (w->lingered > kLingerBytes) break;
    if (i + 1 == kFillsPerEvent) return;  // still sending: the next event goes on
  }
  remove(w);
}

void WaitingRoom::sweep(Clock::time_point now) {
  std::vector<Waiter*> late;
  for (auto& [w, _] : waiters_)
    if (now >= w->deadline) late.push_back(w);
  for (Waiter* w : late) {
    if (w->state == Waiter::State::Head && w->got_bytes) {
      refuse(w, 408, "request_timeout",
             "the request head did not arrive within header_timeout on listener " + config_.name);
    } else {
      remove(w);  // silent new connection, idle keep-alive one, or a linger that ran out
    }
  }
}

}  // namespace wharf::host

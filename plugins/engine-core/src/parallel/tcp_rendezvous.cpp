#include "engine/parallel/tcp_rendezvous.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kMagic = 0x46524857;  // "WHRF"
constexpr uint32_t kMaxBlob = 1u << 20;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

int millisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

[[noreturn]] void timedOut(const std::string& what) {
  throw Error(WHARF_ERR_UNAVAILABLE, "tensor-parallel rendezvous: timed out " + what);
}

// Waits for `events` on fd until the deadline; false when it passed.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, millisLeft(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw Error(WHARF_ERR_IO, std::string("poll: ") + std::strerror(errno));
  }
}

void sendAll(int fd, const void* data, size_t n, Clock::time_point deadline) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    if (!waitFor(fd, POLLOUT, deadline)) timedOut("sending");
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) throw Error(WHARF_ERR_IO, std::string("rendezvous send: ") + std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void recvAll(int fd, void* data, size_t n, Clock::time_point deadline) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    if (!waitFor(fd, POLLIN, deadline)) timedOut("receiving");
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0) throw Error(WHARF_ERR_IO, "rendezvous: the peer closed the connection");
    if (k < 0) throw Error(WHARF_ERR_IO, std::string("rendezvous recv: ") + std::strerror(errno));
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void putU32(std::vector<uint8_t>& out, uint32_t v) {
  const uint32_t be = htonl(v);
  const auto* b = reinterpret_cast<const uint8_t*>(&be);
  out.insert(out.end(), b, b + 4);
}

uint32_t readU32(int fd, Clock::time_point deadline) {
  uint32_t be = 0;
  recvAll(fd, &be, 4, deadline);
  return ntohl(be);
}

sockaddr_in resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "tensor-parallel rendezvous: cannot resolve '" + host + "': " + gai_strerror(rc));
  }
  sockaddr_in a = *reinterpret_cast<sockaddr_in*>(res->ai_addr);
  ::freeaddrinfo(res);
  a.sin_port = htons(port);
  return a;
}

}  // namespace

RendezvousServer::RendezvousServer(const std::string& host, uint16_t port) {
  const sockaddr_in a = resolve(host, port);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw Error(WHARF_ERR_IO, std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw Error(WHARF_ERR_IO, "tensor-parallel rendezvous: cannot listen on " + host + ":" +
                                  std::to_string(port) + ": " + why);
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
}

RendezvousServer::~RendezvousServer() {
  if (fd_ >= 0) ::close(fd_);
}

void RendezvousServer::serve(const std::string& blob, int world,
                             std::chrono::milliseconds timeout) {
  if (blob.size() > kMaxBlob) throw Error(WHARF_ERR_INVALID_ARGUMENT, "rendezvous blob too large");
  const auto deadline = Clock::now() + timeout;
  std::vector<bool> served(static_cast<size_t>(world), false);
  for (int left = world - 1; left > 0;) {
    if (!waitFor(fd_, POLLIN, deadline)) {
      std::string missing;
      for (int r = 1; r < world; ++r)
        if (!served[static_cast<size_t>(r)])
          missing += (missing.empty() ? "" : ", ") + std::to_string(r);
      timedOut("waiting for rank(s) " + missing + " on port " + std::to_string(port_));
    }
    Fd peer(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
    if (peer.fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      throw Error(WHARF_ERR_IO, std::string("accept: ") + std::strerror(errno));
    }
    const uint32_t magic = readU32(peer.fd, deadline);
    if (magic != kMagic)
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "tensor-parallel rendezvous: a client that is not a Wharf rank connected");
    const uint32_t rank = readU32(peer.fd, deadline), peer_world = readU32(peer.fd, deadline);
    if (static_cast<int>(peer_world) != world) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "tensor-parallel rendezvous: rank " + std::to_string(rank) + " has world size " +
                      std::to_string(peer_world) + ", rank 0 has " + std::to_string(world));
    }
    if (rank == 0 || static_cast<int>(rank) >= world || served[rank]) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "tensor-parallel rendezvous: rank " + std::to_string(rank) +
                      (rank != 0 && static_cast<int>(rank) < world
                           ? " connected twice"
                           : " is not a peer of a world of " + std::to_string(world)));
    }
    std::vector<uint8_t> reply;
    putU32(reply, static_cast<uint32_t>(blob.size()));
    reply.insert(reply.end(), blob.begin(), blob.end());
    sendAll(peer.fd, reply.data(), reply.size(), deadline);
    served[rank] = true;
    --left;
  }
}

std::string fetchRendezvousBlob(const std::string& host, uint16_t port, int rank, int world,
                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const sockaddr_in a = resolve(host, port);
  for (;;) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.fd < 0) throw Error(WHARF_ERR_IO, std::string("socket: ") + std::strerror(errno));
    if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
      std::vector<uint8_t> hello;
      putU32(hello, kMagic);
      putU32(hello, static_cast<uint32_t>(rank));
      putU32(hello, static_cast<uint32_t>(world));
      sendAll(fd.fd, hello.data(), hello.size(), deadline);
      const uint32_t n = readU32(fd.fd, deadline);
      if (n > kMaxBlob) throw Error(WHARF_ERR_DATA, "rendezvous: blob too large");
      std::string blob(n, '\0');
      recvAll(fd.fd, blob.data(), n, deadline);
      return blob;
    }
    if (errno != ECONNREFUSED && errno != ETIMEDOUT && errno != ENETUNREACH && errno != EINTR) {
      throw Error(WHARF_ERR_IO, "tensor-parallel rendezvous: connect to " + host + ":" +
                                    std::to_string(port) + ": " + std::strerror(errno));
    }
    if (millisLeft(deadline) == 0) {
      timedOut("connecting to rank 0 at " + host + ":" + std::to_string(port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // rank 0 is not listening yet
  }
}

}  // namespace wharf::engine

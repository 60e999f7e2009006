#include "http/transport.hpp"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <stdexcept>

namespace wharf::host {

Transport::Transport(int fd, SSL_CTX* ctx) : fd_(fd) {
  if (!ctx) return;
  ssl_ = SSL_new(ctx);
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) {
    if (ssl_) SSL_free(ssl_);
    ssl_ = nullptr;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot set up TLS on a connection");
  }
  SSL_set_accept_state(ssl_);
}

Transport::~Transport() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

long Transport::sslResult(int rc) {
  int err = SSL_get_error(ssl_, rc);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return kClosed;
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (errno == EAGAIN || errno == EINTR) return kWantRead;
      return rc == 0 ? kClosed : kError;
    default:
      ERR_clear_error();
      return kError;
  }
}

long Transport::recvSome(char* buf, size_t size) {
  if (fd_ < 0) return kError;
  const int n = static_cast<int>(size > INT_MAX ? INT_MAX : size);
  if (ssl_) {
    ERR_clear_error();
    int rc = SSL_read(ssl_, buf, n);
    return rc > 0 ? rc : sslResult(rc);
  }
  for (;;) {
    ssize_t rc = ::recv(fd_, buf, static_cast<size_t>(n), 0);
    if (rc > 0) return rc;
    if (rc == 0) return kClosed;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? kWantRead : kError;
  }
}

long Transport::sendSome(const char* data, size_t size) {
  if (fd_ < 0) return kError;
  const int n = static_cast<int>(size > INT_MAX ? INT_MAX : size);
  if (ssl_) {
    ERR_clear_error();
    int rc = SSL_write(ssl_, data, n);
    if (rc > 0) return rc;
    long r = sslResult(rc);
    return r == kClosed ? kError : r;
  }
  for (;;) {
    ssize_t rc = ::send(fd_, data, static_cast<size_t>(n), MSG_NOSIGNAL);
    if (rc >= 0) return rc;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? kWantWrite : kError;
  }
}

bool Transport::wait(short events, double timeout) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left < 0) left = 0;
    pollfd p{fd_, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left > INT_MAX ? INT_MAX : left));
    if (rc > 0) return true;  // ready, or an error/hang-up the next call reports
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

long Transport::recvWait(char* buf, size_t size, double timeout) {
  for (;;) {
    long n = recvSome(buf, size);
    if (n == kWantRead || n == kWantWrite) {
      if (!wait(n == kWantRead ? POLLIN : POLLOUT, timeout)) return kError;
      continue;
    }
    return n;
  }
}

bool Transport::sendAll(const char* data, size_t size, double timeout) {
  while (size > 0) {
    long n = sendSome(data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n == kWantRead || n == kWantWrite) {
      if (!wait(n == kWantRead ? POLLIN : POLLOUT, timeout)) return false;
      continue;
    }
    return false;
  }
  return true;
}

void Transport::shutdownSend() {
  if (fd_ < 0) return;
  if (ssl_ && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // close_notify, best effort
  }
  ::shutdown(fd_, SHUT_WR);
}

void Transport::shutdownReceive() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RD);
}

}  // namespace wharf::host

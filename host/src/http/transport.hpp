// One accepted TCP connection's byte stream, plain or TLS (OpenSSL on the listener's SSL_CTX).
// The descriptor is always non-blocking: the waiting room reads heads without blocking, and a
// worker's "blocking" read or write is a poll(2) with the listener's request_timeout around the
// same non-blocking call. The TLS handshake happens inside the first reads and writes.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

namespace wharf::host {

class Transport {
 public:
  // Results of the non-blocking calls, besides a byte count > 0.
  static constexpr long kClosed = 0;      // the peer closed (or sent close_notify)
  static constexpr long kWantRead = -1;   // try again when the descriptor is readable
  static constexpr long kWantWrite = -2;  // try again when it is writable
  static constexpr long kError = -3;      // reset, TLS failure: close the connection

  // Takes the descriptor; ctx null for plain TCP.
  Transport(int fd, SSL_CTX* ctx);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }

  long recvSome(char* buf, size_t size);
  long sendSome(const char* data, size_t size);

  // Waits (poll) up to `timeout` seconds between bytes: a byte count > 0, kClosed, or kError
  // (also on timeout).
  long recvWait(char* buf, size_t size, double timeout);
  // Sends everything, waiting up to `timeout` seconds for each step; false on error or timeout.
  bool sendAll(const char* data, size_t size, double timeout);
  // Waits until the descriptor is ready for `events` (POLLIN/POLLOUT); false on timeout.
  bool wait(short events, double timeout);

  // Ends the write side (TLS close_notify, then TCP FIN); reads still work.
  void shutdownSend();
  // Ends the read side of the descriptor: a worker waiting in recvWait wakes with kClosed.
  void shutdownReceive();

 private:
  long sslResult(int rc);

  int fd_;
  SSL* ssl_ = nullptr;
};

}  // namespace wharf::host

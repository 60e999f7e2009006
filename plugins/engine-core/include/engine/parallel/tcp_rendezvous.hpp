// Rank 0 of a multi-node tensor-parallel group hands every other rank a blob (NCCL's unique id)
// over TCP: it listens on the rendezvous address, each peer connects (retrying until the deadline,
// since rank 0 may start later), says its rank and the world size, and reads the blob. Rank 0
// returns once every rank 1 .. world-1 has it; a repeated rank, another world size, a
// non-Wharf client or the deadline end it with an error that names what happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace wharf::engine {

class RendezvousServer {
 public:
  // Binds `host:port` (port 0: any free port, see port()) and listens.
  RendezvousServer(const std::string& host, uint16_t port);
  ~RendezvousServer();
  RendezvousServer(const RendezvousServer&) = delete;
  RendezvousServer& operator=(const RendezvousServer&) = delete;

  uint16_t port() const { return port_; }
  // Sends `blob` to ranks 1 .. world-1, one connection each; throws wharf::Error (UNAVAILABLE on
  // the deadline, INVALID_ARGUMENT for a peer that does not fit the group).
  void serve(const std::string& blob, int world, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A peer's side: connects to `host:port` as `rank` of `world` and returns rank 0's blob.
std::string fetchRendezvousBlob(const std::string& host, uint16_t port, int rank, int world,
                                std::chrono::milliseconds timeout);

}  // namespace wharf::engine

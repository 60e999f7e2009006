// The tensor-parallel rendezvous over loopback: every rank gets rank 0's blob; a peer of another
// world size, a repeated rank and a missing rank end it with errors that name them; a peer retries
// until rank 0 listens or its deadline passes.
#include "engine/parallel/tcp_rendezvous.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <random>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

using std::chrono::milliseconds;

std::string randomBlob(size_t n) {
  std::mt19937 rng(7);
  std::string b(n, '\0');
  for (char& c : b) c = static_cast<char>(rng());
  return b;
}

TEST(TcpRendezvous, EveryRankGetsRankZerosBlob) {
  RendezvousServer server("127.0.0.1", 0);
  ASSERT_NE(server.port(), 0);
  const std::string blob = randomBlob(128);  // ncclUniqueId's size
  std::vector<std::future<std::string>> peers;
  for (int r = 1; r < 4; ++r) {
    peers.push_back(std::async(std::launch::async, [&, r] {
      return fetchRendezvousBlob("127.0.0.1", server.port(), r, 4, milliseconds(10000));
    }));
  }
  server.serve(blob, 4, milliseconds(10000));
  for (auto& p : peers) EXPECT_EQ(p.get(), blob);
}

std::string serveError(RendezvousServer& server, int world, milliseconds timeout) {
  try {
    server.serve("id", world, timeout);
  } catch (const Error& e) {
    return e.what();
  }
  return "served";
}

TEST(TcpRendezvous, APeerOfAnotherWorldSizeIsNamed) {
  RendezvousServer server("127.0.0.1", 0);
  auto peer = std::async(std::launch::async, [&] {
    EXPECT_THROW(fetchRendezvousBlob("127.0.0.1", server.port(), 1, 3, milliseconds(10000)), Error);
  });
  EXPECT_EQ(serveError(server, 2, milliseconds(10000)),
            "tensor-parallel rendezvous: rank 1 has world size 3, rank 0 has 2");
  peer.get();
}

TEST(TcpRendezvous, ARepeatedRankIsNamed) {
  RendezvousServer server("127.0.0.1", 0);
  auto served =
      std::async(std::launch::async, [&] { return serveError(server, 3, milliseconds(10000)); });
  // Rank 1 twice in a world of 3: the first is served, the second ends the rendezvous.
  EXPECT_EQ(fetchRendezvousBlob("127.0.0.1", server.port(), 1, 3, milliseconds(10000)), "id");
  EXPECT_THROW(fetchRendezvousBlob("127.0.0.1", server.port(), 1, 3, milliseconds(10000)), Error);
  EXPECT_EQ(served.get(), "tensor-parallel rendezvous: rank 1 connected twice");
}

// Rank 1 connects and says hello before serve() starts (the connection waits in the listen
// backlog), so that it is served however loaded the machine is; rank 2 never comes.
TEST(TcpRendezvous, AMissingRankTimesOutNamingIt) {
  RendezvousServer server("127.0.0.1", 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(server.port());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const uint32_t hello[3] = {htonl(0x46524857), htonl(1), htonl(3)};  // "WHRF", rank 1 of 3
  ASSERT_EQ(::send(fd, hello, sizeof hello, 0), static_cast<ssize_t>(sizeof hello));
  EXPECT_EQ(serveError(server, 3, milliseconds(300)),
            "tensor-parallel rendezvous: timed out waiting for rank(s) 2 on port " +
                std::to_string(server.port()));
  // Rank 1 got its reply: the length, then the blob.
  char reply[6] = {};
  size_t got = 0;
  while (got < sizeof reply) {
    const ssize_t k = ::recv(fd, reply + got, sizeof reply - got, 0);
    ASSERT_GT(k, 0);
    got += static_cast<size_t>(k);
  }
  EXPECT_EQ(std::string(reply, 6), std::string("\0\0\0\2id", 6));
  ::close(fd);
}

TEST(TcpRendezvous, APeerRetriesUntilItsDeadlineWhenNobodyListens) {
  // A bound socket that does not listen: connections to its port are refused while it is held.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const uint16_t port = ntohs(a.sin_port);
  try {
    fetchRendezvousBlob("127.0.0.1", port, 1, 2, milliseconds(300));
    ADD_FAILURE() << "fetched from nobody";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNAVAILABLE);
    EXPECT_EQ(std::string(e.what()),
              "tensor-parallel rendezvous: timed out connecting to rank 0 at "
              "127.0.0.1:" +
                  std::to_string(port));
  }
  ::close(fd);
}

}  // namespace
}  // namespace wharf::engine

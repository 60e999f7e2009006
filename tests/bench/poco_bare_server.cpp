// The peer for tests/bench/http_baseline.sh: a bare Poco HTTPServer answering every request with
// a fixed body, with the same thread and keep-alive settings wharfd's listeners use.
//   poco_bare_server PORT BODY_BYTES [THREADS]
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

class FixedBody : public Poco::Net::HTTPRequestHandler {
 public:
  explicit FixedBody(const std::string& body) : body_(body) {}
  void handleRequest(Poco::Net::HTTPServerRequest&,
                     Poco::Net::HTTPServerResponse& response) override {
    response.setContentType("application/json");
    response.sendBuffer(body_.data(), body_.size());
  }

 private:
  const std::string& body_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::string body) : body_(std::move(body)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new FixedBody(body_);
  }

 private:
  std::string body_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: poco_bare_server PORT BODY_BYTES [THREADS]\n";
    return 64;
  }
  int port = std::atoi(argv[1]);
  size_t bytes = std::strtoul(argv[2], nullptr, 10);
  int threads = argc > 3 ? std::atoi(argv[3]) : 128;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  Poco::ThreadPool pool(4, threads);
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(512);
  params->setKeepAlive(true);
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), 1024);
  Poco::Net::HTTPServer server(new Factory(std::string(bytes, 'x')), pool, socket, params);
  server.start();
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  return 0;
}

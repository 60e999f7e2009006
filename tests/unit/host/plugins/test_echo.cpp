// test-echo: an http-service plugin for the host's own tests. It echoes requests, sleeps on
// demand (drain tests), streams, records its lifecycle in an order log (dependency-order tests)
// and can be told to fail at create or to report itself unhealthy.
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "wharf/wharf.hpp"

namespace {

class TestEcho : public wharf::HttpService {
 public:
  TestEcho(const wharf::Config& config, const wharf::Host& host)
      : HttpService(host),
        name_(config.instance()),
        prefix_(config.str("prefix", "/echo")),
        order_log_(config.str("order_log")),
        unhealthy_(config.boolean("unhealthy")),
        has_admin_(config.has("admin_listener")) {
    if (config.boolean("fail_create"))
      throw wharf::Error(WHARF_ERR_INVALID_ARGUMENT, "told to fail");
    record("create " + name_);
  }
  ~TestEcho() override { record("destroy " + name_); }

  std::vector<std::string> routes() override {
    if (has_admin_) return {prefix_, "admin_listener:" + prefix_ + "-admin"};
    return {prefix_};
  }

  void health() override {
    if (unhealthy_) throw wharf::Error(WHARF_ERR_UNAVAILABLE, "told to be unhealthy");
  }
  void reload() override { record("reload " + name_); }

  void handle(wharf::Exchange& ex) override {
    if (ex.path().rfind(prefix_ + "-admin", 0) == 0) {
      ex.respond(200, "text/plain", "admin side of " + name_ + "\n");
      return;
    }
    std::string rest = ex.path().substr(prefix_.size());
    if (rest == "/slow") {
      int ms = std::stoi(ex.queryParam("ms").value_or("1000"));
      record("slow " + std::to_string(ms));  // tests wait for this before they signal
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      ex.respond(200, "text/plain", "slow done after " + std::to_string(ms) + " ms\n");
    } else if (rest == "/body") {
      auto body = ex.readAll(1ull << 34);
      if (!body) return;  // the host answers 413 / closes
      ex.respond(200, "text/plain", std::to_string(body->size()) + "\n");
    } else if (rest == "/stream") {
      int n = std::stoi(ex.queryParam("n").value_or("3"));
      ex.status(200);
      ex.addHeader("Content-Type", "text/plain");
      for (int i = 0; i < n; ++i) {
        ex.write("chunk " + std::to_string(i) + "\n");
        ex.flush();
      }
    } else if (rest == "/bytes") {
      size_t n = std::stoul(ex.queryParam("n").value_or("600"));
      ex.respond(200, "application/json", std::string(n, 'x'));
    } else if (rest == "/throw") {
      throw std::runtime_error("boom");
    } else {
      std::string body = "{\"instance\":\"" + name_ + "\",\"method\":\"" + ex.method() +
                         "\",\"path\":\"" + ex.path() + "\",\"query\":\"" + ex.query() + "\"}";
      ex.respond(200, "application/json", body);
    }
  }

 private:
  void record(const std::string& line) {
    if (order_log_.empty()) return;
    static std::mutex m;
    std::lock_guard lock(m);
    std::ofstream(order_log_, std::ios::app) << line << "\n";
  }
  std::string name_, prefix_, order_log_;
  bool unhealthy_;
  bool has_admin_;
};

const wharf_config_key kKeys[] = {
    {"depends", WHARF_KEY_INSTANCE, WHARF_KEY_LIST, static_cast<wharf_plugin_kind>(0), nullptr,
     nullptr, "instances to create first"},
    {"fail_create", WHARF_KEY_BOOL, 0, static_cast<wharf_plugin_kind>(0), "false", nullptr,
     "fail in create"},
    {"unhealthy", WHARF_KEY_BOOL, 0, static_cast<wharf_plugin_kind>(0), "false", nullptr,
     "fail health checks"},
    {"prefix", WHARF_KEY_STRING, 0, static_cast<wharf_plugin_kind>(0), "/echo", nullptr,
     "route claimed"},
    {"order_log", WHARF_KEY_STRING, 0, static_cast<wharf_plugin_kind>(0), nullptr, nullptr,
     "file that records create/destroy/reload"},
    {"secret_token", WHARF_KEY_STRING, WHARF_KEY_SECRET, static_cast<wharf_plugin_kind>(0), nullptr,
     nullptr, "a secret (redaction tests)"},
    {"admin_listener", WHARF_KEY_LISTENER, 0, static_cast<wharf_plugin_kind>(0), nullptr, nullptr,
     "also answer <prefix>-admin on this listener"},
    {"size", WHARF_KEY_SIZE, 0, static_cast<wharf_plugin_kind>(0), nullptr, nullptr,
     "a size (type tests)"},
};

}  // namespace

WHARF_HTTP_SERVICE_PLUGIN(TestEcho, "test-echo", "1.0.0", "Echo service for host tests", kKeys)

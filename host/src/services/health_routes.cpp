#include "http/exchange.hpp"
#include "logging/logging.hpp"
#include "runtime/server.hpp"
#include "services/builtin_routes.hpp"

namespace wharf::host {

void install_health_routes(Router& router, Server& server) {
  static const std::string kHealthBody = "{\"status\":\"ok\"}";
  router.add(
      "/health", "host",
      [](HttpExchange& ex) {
        ex.add_header("Cache-Control", "no-store");
        ex.respond(200, "application/json", kHealthBody);
      },
      true);
  router.add(
      "/ready", "host",
      [&server](HttpExchange& ex) {
        ex.add_header("Cache-Control", "no-store");
        if (server.draining()) {
          ex.respond(503, "application/json", "{\"status\":\"draining\",\"failing\":[]}");
          return;
        }
        auto failing = server.unhealthy();
        if (failing.empty()) {
          ex.respond(200, "application/json", "{\"status\":\"ready\",\"failing\":[]}");
          return;
        }
        std::string body = "{\"status\":\"unavailable\",\"failing\":[";
        for (size_t i = 0; i < failing.size(); ++i) {
          body += (i ? "," : "");
          body += "{\"instance\":\"" + json_escape(failing[i].first) + "\",\"error\":\"" +
                  json_escape(failing[i].second) + "\"}";
        }
        body += "]}";
        ex.respond(503, "application/json", body);
      },
      true);
}

void install_metrics_route(Router& router, MetricsHub& metrics) {
  router.add(
      "/metrics", "host",
      [&metrics](HttpExchange& ex) {
        ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics.expose());
      },
      true);
}

}  // namespace wharf::host

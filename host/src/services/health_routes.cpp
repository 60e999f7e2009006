#include "http/exchange.hpp"
#include "json/json_body.hpp"
#include "runtime/server.hpp"
#include "services/builtin_routes.hpp"

namespace wharf::host {

void installHealthRoutes(Router& router, Server& server) {
  static const std::string kHealthBody = toJsonText({{"status", "ok"}});
  router.add(
      "/health", "host",
      [](HttpExchange& ex) {
        ex.addHeader("Cache-Control", "no-store");
        ex.respond(200, "application/json", kHealthBody);
      },
      true);
  router.add(
      "/ready", "host",
      [&server](HttpExchange& ex) {
        ex.addHeader("Cache-Control", "no-store");
        const bool draining = server.draining();
        Json failing = Json::array();
        if (!draining)
          for (auto& [instance, error] : server.unhealthy())
            failing.push_back({{"instance", instance}, {"error", error}});
        const char* status = draining ? "draining" : failing.empty() ? "ready" : "unavailable";
        ex.respond(std::string(status) == "ready" ? 200 : 503, "application/json",
                   toJsonText({{"status", status}, {"failing", failing}}));
      },
      true);
}

void installMetricsRoute(Router& router, MetricsHub& metrics) {
  router.add(
      "/metrics", "host",
      [&metrics](HttpExchange& ex) {
        ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics.expose());
      },
      true);
}

}  // namespace wharf::host

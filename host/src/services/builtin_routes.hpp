// The host's own routes: /health and /ready on every listener, /metrics on the metrics listener,
// /admin/... on the admin listener.
#pragma once

#include <string>

#include "http/router.hpp"
#include "metrics/metrics_hub.hpp"

namespace wharf::host {

class Server;

void installHealthRoutes(Router& router, Server& server);
void installMetricsRoute(Router& router, MetricsHub& metrics);
void installAdminRoutes(Router& router, Server& server);
// Wraps a handler so that it answers 401 without `Authorization: Bearer <token>` when the token
// file is set (every route on the admin listener, the plugins' too).
RouteHandler adminGuard(const std::string& token_file, RouteHandler inner);

}  // namespace wharf::host

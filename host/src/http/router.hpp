// Path-prefix routing for one listener. A claim ending in '/' matches every path below it; any
// other claim matches that exact path and every path continuing with '/'. Two claims overlap when
// some path would match both; overlapping claims are refused.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wharf::host {

class HttpExchange;
using RouteHandler = std::function<void(HttpExchange&)>;

struct Route {
  std::string claim;  // as declared, e.g. "/v2/"
  std::string base;   // claim without a trailing '/', e.g. "/v2"
  bool exact = true;  // whether `base` itself matches
  std::string owner;  // instance name, or "host"
  bool builtin = false;
  RouteHandler handler;
};

class RouteConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Router {
 public:
  // Throws RouteConflict when `claim` overlaps an existing claim, std::invalid_argument when it
  // does not start with '/'.
  void add(const std::string& claim, const std::string& owner, RouteHandler handler,
           bool builtin = false);
  // The most specific route matching `path`, or nullptr.
  const Route* match(const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

  static bool overlaps(const Route& a, const Route& b);
  static Route make(const std::string& claim);

 private:
  std::vector<Route> routes_;  // sorted by descending base length
};

}  // namespace wharf::host

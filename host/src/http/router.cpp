#include "http/router.hpp"

#include <algorithm>

namespace wharf::host {

Route Router::make(const std::string& claim) {
  if (claim.empty() || claim[0] != '/')
    throw std::invalid_argument("route '" + claim + "' must start with '/'");
  Route r;
  r.claim = claim;
  r.base = claim;
  if (r.base.back() == '/') {
    r.base.pop_back();
    r.exact = false;
  }
  return r;
}

namespace {
// True when every path below `inner` is also below `outer` (outer is a path prefix at a '/').
bool below(const std::string& inner, const std::string& outer) {
  return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
         inner[outer.size()] == '/';
}
}  // namespace

bool Router::overlaps(const Route& a, const Route& b) {
  // Both claims match their whole subtree, so they overlap exactly when one base lies at or
  // below the other.
  return a.base == b.base || below(a.base, b.base) || below(b.base, a.base) || a.base.empty() ||
         b.base.empty();
}

void Router::add(const std::string& claim, const std::string& owner, RouteHandler handler,
                 bool builtin) {
  Route r = make(claim);
  for (auto& existing : routes_)
    if (overlaps(existing, r))
      throw RouteConflict("route '" + claim + "' of " + owner + " overlaps route '" +
                          existing.claim + "' of " + existing.owner);
  r.owner = owner;
  r.builtin = builtin;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& x, const Route& y) { return x.base.size() > y.base.size(); });
}

const Route* Router::match(const std::string& path) const {
  for (auto& r : routes_) {
    if (r.base.empty()) return &r;  // "/" claims everything
    if (path.compare(0, r.base.size(), r.base) != 0) continue;
    if (path.size() == r.base.size()) {
      if (r.exact) return &r;
      continue;
    }
    if (path[r.base.size()] == '/') return &r;
  }
  return nullptr;
}

}  // namespace wharf::host

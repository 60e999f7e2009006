// GET /v2/<name>/tags/list and GET /v2/_catalog, both paged with n/last and a Link header.
#include "handlers.hpp"
#include "layout.hpp"
#include "paging.hpp"
#include "repositories.hpp"
#include "responses.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::registry {

namespace {

PageRequest pageRequest(Exchange& ex) {
  PageRequest r;
  r.n = parsePageSize(ex.queryParam("n"));
  r.last = ex.queryParam("last").value_or("");
  return r;
}

}  // namespace

void listTags(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL);
  PageRequest req = pageRequest(ex);
  if (!ctx.store.exists(layout::manifestsDir(p.name)))
    throw RegistryError(ErrorCode::NameUnknown, p.name);
  Page page = takePage(ctx.manifests.tags(p.name), req);
  if (page.more)
    ex.addHeader("Link", nextLink("/v2/" + p.name + "/tags/list", *req.n, page.items.back()));
  sendJson(ex, 200, toJsonText(Json{{"name", p.name}, {"tags", page.items}}) + "\n");
}

void listCatalog(RegistryContext& ctx, Exchange& ex) {
  ctx.auth.require(ex, "registry", "catalog", WHARF_ACTION_CATALOG);
  PageRequest req = pageRequest(ex);
  const size_t max = ctx.settings.catalogMaxEntries;
  if (!req.n || *req.n > max) req.n = max;
  Page page = takePage(listRepositories(ctx.store), req);
  if (page.more) ex.addHeader("Link", nextLink("/v2/_catalog", *req.n, page.items.back()));
  sendJson(ex, 200, toJsonText(Json{{"repositories", page.items}}) + "\n");
}

}  // namespace wharf::registry

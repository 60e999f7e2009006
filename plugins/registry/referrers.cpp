// GET /v2/<name>/referrers/<digest>[?artifactType=]: an OCI index of the manifests in <name>
// whose `subject` is <digest>. Computed from the repository's revisions and the parsed-manifest
// cache, so manifests written by any registry (and deletes) are reflected without an extra index.
#include "handlers.hpp"
#include "layout.hpp"
#include "media_types.hpp"
#include "responses.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::registry {

namespace {

Json descriptor(const Manifest& m, const Digest& d, uint64_t size) {
  Json out = {{"mediaType", m.mediaType}, {"digest", d.str()}, {"size", size}};
  std::string at = m.effectiveArtifactType();
  if (!at.empty()) out["artifactType"] = at;
  if (m.annotations) out["annotations"] = *m.annotations;
  return out;
}

}  // namespace

void listReferrers(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL);
  Digest subject = requireDigest(p.reference);
  auto filter = ex.queryParam("artifactType");
  Json items = Json::array();
  for (auto& d : ctx.manifests.revisions(p.name)) {
    auto m = ctx.manifests.info(d);
    if (!m || !m->subject || m->subject->digest != subject) continue;
    if (filter && m->effectiveArtifactType() != *filter) continue;
    auto st = ctx.store.stat(layout::blobData(d));
    if (!st) continue;
    items.push_back(descriptor(*m, d, st->size));
  }
  if (filter) ex.addHeader("OCI-Filters-Applied", "artifactType");
  const Json index = {
      {"schemaVersion", 2}, {"mediaType", media::kOciIndex}, {"manifests", std::move(items)}};
  sendJson(ex, 200, toJsonText(index) + "\n", std::string(media::kOciIndex));
}

}  // namespace wharf::registry

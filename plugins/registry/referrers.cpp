// GET /v2/<name>/referrers/<digest>[?artifactType=]: an OCI index of the manifests in <name>
// whose `subject` is <digest>. Computed from the repository's revisions and the parsed-manifest
// cache, so manifests written by any registry (and deletes) are reflected without an extra index.
#include "handlers.hpp"
#include "json_writer.hpp"
#include "layout.hpp"
#include "media_types.hpp"
#include "responses.hpp"

namespace wharf::registry {

namespace {

std::string descriptorJson(const Manifest& m, const Digest& d, uint64_t size) {
  std::string out = "{\"mediaType\":" + jsonString(m.mediaType) +
                    ",\"digest\":" + jsonString(d.str()) + ",\"size\":" + std::to_string(size);
  std::string at = m.effectiveArtifactType();
  if (!at.empty()) out += ",\"artifactType\":" + jsonString(at);
  if (!m.annotationsJson.empty()) out += ",\"annotations\":" + m.annotationsJson;
  return out + "}";
}

}  // namespace

void listReferrers(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL);
  Digest subject = requireDigest(p.reference);
  auto filter = ex.queryParam("artifactType");
  std::string items;
  for (auto& d : ctx.manifests.revisions(p.name)) {
    auto m = ctx.manifests.info(d);
    if (!m || !m->subject || m->subject->digest != subject) continue;
    if (filter && m->effectiveArtifactType() != *filter) continue;
    auto st = ctx.store.stat(layout::blobData(d));
    if (!st) continue;
    if (!items.empty()) items += ',';
    items += descriptorJson(*m, d, st->size);
  }
  if (filter) ex.addHeader("OCI-Filters-Applied", "artifactType");
  std::string body = "{\"schemaVersion\":2,\"mediaType\":" + jsonString(media::kOciIndex) +
                     ",\"manifests\":[" + items + "]}\n";
  sendJson(ex, 200, body, std::string(media::kOciIndex));
}

}  // namespace wharf::registry

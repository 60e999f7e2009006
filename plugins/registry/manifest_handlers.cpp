// GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>.
#include <mutex>

#include "handlers.hpp"
#include "layout.hpp"
#include "media_types.hpp"
#include "names.hpp"
#include "negotiation.hpp"
#include "responses.hpp"

namespace wharf::registry {

namespace {

// When the client does not take a manifest list, distribution serves its linux/amd64 image.
std::optional<Digest> platformFallback(const Manifest& list,
                                       const std::vector<std::string>& accepted) {
  for (auto& m : list.manifests)
    if (m.os == "linux" && m.architecture == "amd64" && acceptsManifestType(accepted, m.mediaType))
      return m.digest;
  return std::nullopt;
}

// Reads the manifest body; throws 413 above the limit.
std::string readManifestBody(RegistryContext& ctx, Exchange& ex) {
  const size_t limit = ctx.settings.maxManifestBytes;
  auto tooLarge = [&] {
    return RegistryError(ErrorCode::SizeInvalid, 413, "manifest too large",
                         "the limit is " + std::to_string(limit) + " bytes");
  };
  if (ex.contentLength() > 0 && static_cast<uint64_t>(ex.contentLength()) > limit) throw tooLarge();
  std::string body;
  char buf[65536];
  for (;;) {
    int64_t n = ex.read(buf, sizeof buf);
    if (n < 0) throw RegistryError(ErrorCode::ManifestInvalid, "the body could not be read");
    if (n == 0) break;
    if (body.size() + static_cast<size_t>(n) > limit) throw tooLarge();
    body.append(buf, static_cast<size_t>(n));
  }
  return body;
}

void checkReferences(RegistryContext& ctx, const std::string& name, const Manifest& m) {
  auto need = [&](const Descriptor& d) {
    if (d.foreign) return;
    // Touched before the check, so that GC cannot take the blob between the two; a digest that
    // names no blob is forgotten (manifests naming random digests grew this without bound).
    ctx.recent.touch(d.digest.str());
    if (!ctx.repositoryHasBlob(name, d.digest)) {
      ctx.recent.forget(d.digest.str());
      throw RegistryError(ErrorCode::ManifestBlobUnknown, d.digest.str());
    }
  };
  if (m.config) need(*m.config);
  for (auto& l : m.layers) need(l);
  for (auto& child : m.manifests) need(child);
}

}  // namespace

void getManifest(RegistryContext& ctx, Exchange& ex, const ApiPath& p, bool head) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL);
  auto d = ctx.manifests.resolve(p.name, p.reference);
  if (!d) throw RegistryError(ErrorCode::ManifestUnknown, p.reference);
  auto body = ctx.manifests.body(*d);
  if (!body) throw RegistryError(ErrorCode::ManifestUnknown, p.reference);
  auto info = ctx.manifests.info(*d, *body);
  std::vector<std::string> accepted = acceptedTypes(ex);
  if (!acceptsManifestType(accepted, info->mediaType)) {
    std::optional<Digest> child;
    if (info->isIndex) child = platformFallback(*info, accepted);
    if (!child || !ctx.manifests.hasRevision(p.name, *child) ||
        !(body = ctx.manifests.body(*child)))
      throw RegistryError(ErrorCode::ManifestUnknown, 404,
                          "the manifest type " + info->mediaType + " is not in the Accept header",
                          p.reference);
    d = child;
    info = ctx.manifests.info(*d, *body);
  }
  const std::string etag = "\"" + d->str() + "\"";
  ex.addHeader("Docker-Content-Digest", d->str());
  ex.addHeader("ETag", etag);
  if (auto inm = ex.header("If-None-Match"); inm && (inm->find(etag) != std::string::npos)) {
    sendEmpty(ex, 304);
    return;
  }
  setStatus(ex, 200);
  ex.addHeader("Content-Type", info->mediaType);
  ex.contentLength(static_cast<int64_t>(body->size()));
  ex.write(head ? std::string_view() : std::string_view(*body));
}

void putManifest(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  requireWritable(ctx);
  std::optional<Digest> byDigest = parseDigest(p.reference);
  if (!byDigest) {
    if (p.reference.find(':') != std::string::npos) requireDigest(p.reference);
    if (!isValidTag(p.reference))
      throw RegistryError(ErrorCode::TagInvalid, 400, "invalid tag", p.reference);
  }
  std::string body = readManifestBody(ctx, ex);
  Digest d = digestOf(body, byDigest ? byDigest->algorithm : "sha256");
  if (byDigest && d != *byDigest)
    throw RegistryError(ErrorCode::DigestInvalid, "manifest digest is " + d.str());
  Manifest m = parseManifest(body, ex.header("Content-Type").value_or(""));
  {
    std::shared_lock lock(ctx.gcLock);
    checkReferences(ctx, p.name, m);
    ctx.manifests.put(p.name, byDigest ? std::string() : p.reference, d, body);
  }
  if (m.subject) ex.addHeader("OCI-Subject", m.subject->digest.str());
  ctx.manifests.remember(d, std::move(m));
  ex.addHeader("Location", "/v2/" + p.name + "/manifests/" + d.str());
  ex.addHeader("Docker-Content-Digest", d.str());
  sendEmpty(ex, 201);
}

void deleteManifest(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_DELETE);
  requireWritable(ctx);
  if (!ctx.settings.deleteEnabled)
    throw RegistryError(ErrorCode::Unsupported, 405, "deletes are disabled (delete = false)", "");
  bool removed = false;
  if (auto d = parseDigest(p.reference))
    removed = ctx.manifests.removeRevision(p.name, *d);
  else if (isValidTag(p.reference))
    removed = ctx.manifests.removeTag(p.name, p.reference);
  else if (p.reference.find(':') != std::string::npos)
    requireDigest(p.reference);
  if (!removed) throw RegistryError(ErrorCode::ManifestUnknown, p.reference);
  sendEmpty(ex, 202);
}

}  // namespace wharf::registry

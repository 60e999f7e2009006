// Blob uploads: POST (new session, monolithic ?digest=, cross-repo ?mount=&from=), PATCH (chunked
// or streamed), PUT (finish), GET (status), DELETE (cancel).
#include "handlers.hpp"
#include "layout.hpp"
#include "names.hpp"
#include "ranges.hpp"
#include "responses.hpp"

namespace wharf::registry {

namespace {

std::string uploadLocation(const ApiPath& p, const std::string& id) {
  return "/v2/" + p.name + "/blobs/uploads/" + id;
}

std::string rangeValue(uint64_t size) { return "0-" + std::to_string(size ? size - 1 : 0); }

void answerUploadProgress(Exchange& ex, const ApiPath& p, const std::string& id, uint64_t size,
                          int status) {
  ex.addHeader("Location", uploadLocation(p, id));
  ex.addHeader("Range", rangeValue(size));
  ex.addHeader("Docker-Upload-UUID", id);
  sendEmpty(ex, status);
}

void answerBlobCreated(RegistryContext& ctx, Exchange& ex, const ApiPath& p, const Digest& d) {
  ctx.store.writeLink(layout::layerLink(p.name, d), d);
  ctx.recent.touch(d.str());
  ex.addHeader("Location", "/v2/" + p.name + "/blobs/" + d.str());
  ex.addHeader("Docker-Content-Digest", d.str());
  sendEmpty(ex, 201);
}

// ?mount=<digest>&from=<repo>: links the blob when the caller may pull it from <repo>.
bool tryMount(RegistryContext& ctx, Exchange& ex, const ApiPath& p, const std::string& mount) {
  Digest d = requireDigest(mount);
  auto from = ex.queryParam("from");
  if (!from || !isValidRepositoryName(*from)) return false;
  if (!ctx.auth.allows(ex, "repository", *from, WHARF_ACTION_PULL)) return false;
  if (!ctx.store.exists(layout::layerLink(*from, d)) || !ctx.store.exists(layout::blobData(d)))
    return false;
  answerBlobCreated(ctx, ex, p, d);
  return true;
}

std::optional<ByteRange> contentRange(Exchange& ex) {
  auto h = ex.header("Content-Range");
  if (!h) return std::nullopt;
  auto r = parseContentRange(*h);
  if (!r) throw RegistryError(ErrorCode::RangeInvalid, 416, "invalid Content-Range", *h);
  return r;
}

}  // namespace

void startUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  requireWritable(ctx);
  if (auto mount = ex.queryParam("mount"); mount && tryMount(ctx, ex, p, *mount)) return;
  if (auto digest = ex.queryParam("digest")) {
    Digest d = requireDigest(*digest);
    std::string id = ctx.uploads.start(p.name, d.algorithm);
    try {
      ctx.uploads.append(ex, p.name, id, std::nullopt);
      ctx.uploads.finish(p.name, id, d);
    } catch (...) {
      ctx.uploads.cancel(p.name, id);
      throw;
    }
    answerBlobCreated(ctx, ex, p, d);
    return;
  }
  std::string id = ctx.uploads.start(p.name);
  answerUploadProgress(ex, p, id, 0, 202);
}

void patchUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  requireWritable(ctx);
  std::optional<ByteRange> range = contentRange(ex);
  uint64_t size = ctx.uploads.append(ex, p.name, p.reference, range);
  answerUploadProgress(ex, p, p.reference, size, 202);
}

void putUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  requireWritable(ctx);
  auto digest = ex.queryParam("digest");
  if (!digest) throw RegistryError(ErrorCode::DigestInvalid, 400, "digest missing", "");
  Digest d = requireDigest(*digest);
  std::optional<ByteRange> range = contentRange(ex);
  if (ex.contentLength() != 0 || range) ctx.uploads.append(ex, p.name, p.reference, range);
  ctx.uploads.finish(p.name, p.reference, d);
  answerBlobCreated(ctx, ex, p, d);
}

void getUploadStatus(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  UploadState st = ctx.uploads.state(p.name, p.reference);
  answerUploadProgress(ex, p, p.reference, st.size, 204);
}

void cancelUpload(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL | WHARF_ACTION_PUSH);
  if (!ctx.uploads.cancel(p.name, p.reference))
    throw RegistryError(ErrorCode::BlobUploadUnknown, p.reference);
  sendEmpty(ex, 204);
}

}  // namespace wharf::registry

// GET/HEAD/DELETE /v2/<name>/blobs/<digest>: ranges, ETag, zero-copy sends.
#include <fcntl.h>
#include <unistd.h>

#include "handlers.hpp"
#include "layout.hpp"
#include "ranges.hpp"
#include "responses.hpp"

namespace wharf::registry {

namespace {

bool etagMatches(const std::optional<std::string>& header, const std::string& etag) {
  if (!header) return false;
  if (*header == "*") return true;
  return header->find(etag) != std::string::npos;
}

// Sends [offset, offset+length) of the blob: sendfile from a local file where the storage has
// one, a storage read otherwise. False when the client went away.
bool sendBlobBody(RegistryContext& ctx, Exchange& ex, const std::string& path, uint64_t offset,
                  uint64_t length) {
  // Small bodies leave with the headers in one send; sendfile would flush the headers first.
  constexpr uint64_t kSmall = 16 * 1024;
  if (auto local = length > kSmall ? ctx.store.localPath(path) : std::nullopt) {
    int fd = ::open(local->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      bool ok = ex.sendFile(fd, offset, length);
      ::close(fd);
      return ok;
    }
  }
  bool ok = true;
  ctx.store.read(path, offset, length, [&](const void* data, size_t n) {
    ok = ex.write(std::string_view(static_cast<const char*>(data), n));
    return ok;
  });
  return ok;
}

}  // namespace

void requireWritable(const RegistryContext& ctx) {
  if (ctx.settings.readOnly)
    throw RegistryError(ErrorCode::Unsupported, 405, "the registry is in read-only mode", "");
}

Digest requireDigest(const std::string& text) {
  auto d = parseDigest(text);
  if (!d) throw RegistryError(ErrorCode::DigestInvalid, 400, "invalid digest", text);
  return *d;
}

void getBlob(RegistryContext& ctx, Exchange& ex, const ApiPath& p, bool head) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_PULL);
  Digest d = requireDigest(p.reference);
  std::string path = layout::blobData(d);
  auto st = ctx.store.stat(path);
  if (!st || st->is_dir ||
      (!ctx.store.exists(layout::layerLink(p.name, d)) &&
       !ctx.store.exists(layout::revisionLink(p.name, d))))
    throw RegistryError(ErrorCode::BlobUnknown, d.str());
  // A client checking for a blob before referencing it: keep online GC off it for a while.
  if (head) ctx.recent.touch(d.str());
  const uint64_t size = st->size;
  const std::string etag = "\"" + d.str() + "\"";
  ex.addHeader("Docker-Content-Digest", d.str());
  ex.addHeader("ETag", etag);
  ex.addHeader("Accept-Ranges", "bytes");
  ex.addHeader("Cache-Control", "max-age=31536000");
  if (etagMatches(ex.header("If-None-Match"), etag)) {
    sendEmpty(ex, 304);
    return;
  }
  RangeRequest range;
  if (auto h = ex.header("Range")) range = parseRangeHeader(*h, size);
  if (range.kind == RangeKind::Unsatisfiable)
    throw RegistryError(ErrorCode::RangeInvalid, 416, "requested range not satisfiable",
                        ex.header("Range").value_or(""))
        .withHeader("Content-Range", "bytes */" + std::to_string(size));
  uint64_t offset = 0, length = size;
  if (range.kind == RangeKind::Partial) {
    offset = range.range.start;
    length = range.range.length();
    setStatus(ex, 206);
    ex.addHeader("Content-Range", "bytes " + std::to_string(range.range.start) + "-" +
                                      std::to_string(range.range.end) + "/" + std::to_string(size));
  } else {
    setStatus(ex, 200);
  }
  ex.addHeader("Content-Type", "application/octet-stream");
  ex.contentLength(static_cast<int64_t>(length));
  if (head || length == 0) {
    ex.write("");
    return;
  }
  if (sendBlobBody(ctx, ex, path, offset, length)) ctx.metrics.bytesPulled(length);
}

void deleteBlob(RegistryContext& ctx, Exchange& ex, const ApiPath& p) {
  ctx.auth.require(ex, "repository", p.name, WHARF_ACTION_DELETE);
  requireWritable(ctx);
  if (!ctx.settings.deleteEnabled)
    throw RegistryError(ErrorCode::Unsupported, 405, "deletes are disabled (delete = false)", "");
  Digest d = requireDigest(p.reference);
  std::string link = layout::layerLink(p.name, d);
  if (!ctx.store.exists(link)) throw RegistryError(ErrorCode::BlobUnknown, d.str());
  ctx.store.remove(link.substr(0, link.size() - 5));
  ex.addHeader("Docker-Content-Digest", d.str());
  sendEmpty(ex, 202);
}

}  // namespace wharf::registry

#include "body_copy.hpp"

#include <memory>

#include "errors.hpp"
#include "write_behind.hpp"

namespace wharf::registry {

namespace {

constexpr size_t kBufferSize = 1 << 20;
constexpr size_t kBuffers = 8;
// Bodies up to this size are copied on the request thread alone (no helper thread).
constexpr int64_t kPipelineThreshold = 4 << 20;

[[noreturn]] void unreadable() {
  throw RegistryError(ErrorCode::BlobUploadInvalid,
                      "the request body could not be read (client gone or body too large)");
}

// Fills `buf` as far as the body allows; returns the bytes read (0 at the end).
size_t fill(Exchange& ex, char* buf, size_t size) {
  size_t got = 0;
  while (got < size) {
    int64_t n = ex.read(buf + got, size - got);
    if (n < 0) unreadable();
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

uint64_t copySimple(Exchange& ex, StorageClient::Writer& writer, std::vector<Hasher>& hashers,
                    RegistryMetrics* metrics) {
  // Small bodies only (see kPipelineThreshold): a buffer of their size, at most one MiB.
  const int64_t length = ex.contentLength();
  const size_t size = length > 0 && static_cast<size_t>(length) < kBufferSize
                          ? static_cast<size_t>(length)
                          : kBufferSize;
  auto buffer = std::make_unique<char[]>(size + 1);
  uint64_t total = 0;
  for (;;) {
    size_t n = fill(ex, buffer.get(), size + 1);
    if (n == 0) break;
    for (auto& h : hashers) h.update(buffer.get(), n);
    writer.write(buffer.get(), n);
    total += n;
    if (metrics) metrics->bytesPushed(n);
  }
  return total;
}

uint64_t copyPipelined(Exchange& ex, StorageClient::Writer& writer, std::vector<Hasher>& hashers,
                       RegistryMetrics* metrics) {
  WriteBehind behind(writer, kBufferSize, kBuffers);
  uint64_t total = 0;
  for (;;) {
    char* buf = behind.acquire();
    if (!buf) break;  // a write failed: finish() rethrows it
    size_t n = fill(ex, buf, kBufferSize);
    if (n == 0) break;
    for (auto& h : hashers) h.update(buf, n);
    behind.submit(buf, n);
    total += n;
    if (metrics) metrics->bytesPushed(n);
  }
  behind.finish();
  return total;
}

}  // namespace

uint64_t copyBody(Exchange& ex, StorageClient::Writer& writer, std::vector<Hasher>& hashers,
                  RegistryMetrics* metrics) {
  int64_t length = ex.contentLength();
  if (length >= 0 && length <= kPipelineThreshold) return copySimple(ex, writer, hashers, metrics);
  return copyPipelined(ex, writer, hashers, metrics);
}

}  // namespace wharf::registry

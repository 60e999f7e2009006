#include "body_copy.hpp"

#include <memory>

#include "errors.hpp"

namespace wharf::registry {

namespace {
constexpr size_t kBufferSize = 1 << 20;
}

uint64_t copyBody(Exchange& ex, StorageClient::Writer& writer, std::vector<Hasher>& hashers,
                  RegistryMetrics* metrics) {
  thread_local std::unique_ptr<char[]> buffer(new char[kBufferSize]);
  uint64_t total = 0;
  for (;;) {
    int64_t n = ex.read(buffer.get(), kBufferSize);
    if (n < 0)
      throw RegistryError(ErrorCode::BlobUploadInvalid,
                          "the request body could not be read (client gone or body too large)");
    if (n == 0) break;
    size_t size = static_cast<size_t>(n);
    for (auto& h : hashers) h.update(buffer.get(), size);
    writer.write(buffer.get(), size);
    total += size;
    if (metrics) metrics->bytesPushed(size);
  }
  return total;
}

}  // namespace wharf::registry

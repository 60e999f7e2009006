// Copies a request body into a storage writer while feeding it to hashers: the bytes are hashed
// as they stream, so a digest is ready when the body ends.
#pragma once

#include <cstdint>
#include <vector>

#include "digest.hpp"
#include "metrics.hpp"
#include "wharf/cpp/http_service.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::registry {

// Returns the bytes copied. Throws RegistryError(BLOB_UPLOAD_INVALID) when the body cannot be read
// (the client went away or sent too much); the writer is then left uncommitted.
uint64_t copyBody(Exchange& ex, StorageClient::Writer& writer, std::vector<Hasher>& hashers,
                  RegistryMetrics* metrics);

}  // namespace wharf::registry

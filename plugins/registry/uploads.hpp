// Uploads: blob upload sessions in storage under <repo>/_uploads/<id>/ (distribution's place).
//
// - `startedat` holds the start time (RFC 3339), as distribution writes it.
// - The bytes of the first request land in `data`; each later PATCH body becomes its own object
//   `parts/<offset>` (20 digits). Every piece is written through an atomic storage writer, so a
//   client that disconnects mid-request leaves the upload exactly as it was before that request,
//   and nothing is rewritten: a chunked upload costs O(size), not O(size²).
// - The hash state after each request is kept in memory (copied EVP contexts) so the next request
//   continues hashing where the previous one stopped. After a restart, or for another algorithm
//   than the one streamed, the stored pieces are hashed again at finish: the digest check never
//   depends on memory.
// - finish() verifies the digest and makes the blob visible with one atomic storage move (one
//   piece) or one atomic writer commit (several pieces); the upload directory is removed after.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "digest.hpp"
#include "metrics.hpp"
#include "ranges.hpp"
#include "store.hpp"
#include "wharf/cpp/http_service.hpp"

namespace wharf::registry {

struct UploadPiece {
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string path;
};

struct UploadState {
  uint64_t size = 0;
  std::vector<UploadPiece> pieces;
  std::time_t startedAt = 0;
};

class Uploads {
 public:
  Uploads(const Store& store, RegistryMetrics* metrics);

  // Creates an upload; `algorithm` is hashed while streaming (sha256 unless the client named
  // another digest up front).
  std::string start(const std::string& name, const std::string& algorithm = "sha256");
  // Throws BLOB_UPLOAD_UNKNOWN when absent.
  UploadState state(const std::string& name, const std::string& id) const;
  // Appends the request body. With `range`, its start must be the current size (else 416 with the
  // current Range) and the body must have its length. Returns the new size.
  uint64_t append(Exchange& ex, const std::string& name, const std::string& id,
                  const std::optional<ByteRange>& range);
  // Verifies `expected` and commits the blob; returns its size. On a mismatch the upload is
  // removed and DIGEST_INVALID thrown.
  uint64_t finish(const std::string& name, const std::string& id, const Digest& expected);
  // Removes the upload; false when it did not exist.
  bool cancel(const std::string& name, const std::string& id);
  // Removes uploads of `name` started more than `age` ago; returns how many.
  size_t purgeRepository(const std::string& name, std::chrono::seconds age);

  static bool isValidId(const std::string& id);

 private:
  struct HashState {
    uint64_t offset = 0;
    std::vector<Hasher> hashers;
  };
  std::mutex& lockFor(const std::string& id);
  std::optional<HashState> takeHashState(const std::string& id, uint64_t offset);
  void keepHashState(const std::string& id, HashState state);
  void dropHashState(const std::string& id);
  Digest hashPieces(const UploadState& st, const std::string& algorithm) const;
  void commitBlob(const UploadState& st, const Digest& d) const;

  const Store& store_;
  RegistryMetrics* metrics_;
  std::array<std::mutex, 64> locks_;
  std::mutex hash_mutex_;
  std::unordered_map<std::string, HashState> hash_states_;
};

}  // namespace wharf::registry

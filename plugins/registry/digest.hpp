// Content digests ("sha256:<64 hex>", "sha512:<128 hex>") and the streaming hasher behind them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::registry {

struct Digest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string hex;        // lowercase hex

  std::string str() const { return algorithm + ":" + hex; }
  bool operator==(const Digest&) const = default;
  bool operator<(const Digest& o) const { return str() < o.str(); }
};

// True for the algorithms this registry verifies.
bool isSupportedAlgorithm(std::string_view algorithm);
// Parses a digest; nullopt when malformed or of an unsupported algorithm.
std::optional<Digest> parseDigest(std::string_view text);

// Incremental hash of one algorithm (OpenSSL EVP). Copyable: a copy continues independently, which
// is how an upload keeps its state between requests.
class Hasher {
 public:
  explicit Hasher(const std::string& algorithm);
  Hasher(const Hasher& other);
  Hasher& operator=(const Hasher& other);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // The digest of everything so far; the hasher can keep going afterwards.
  Digest digest() const;
  const std::string& algorithm() const { return algorithm_; }

 private:
  struct Ctx;
  std::string algorithm_;
  std::unique_ptr<Ctx> ctx_;
};

// Digest of a whole buffer.
Digest digestOf(std::string_view data, const std::string& algorithm = "sha256");

}  // namespace wharf::registry

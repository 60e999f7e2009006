#include "digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace wharf::registry {

namespace {

size_t hexLength(std::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha512") return 128;
  return 0;
}

const EVP_MD* mdFor(const std::string& algorithm) {
  if (algorithm == "sha256") return EVP_sha256();
  if (algorithm == "sha512") return EVP_sha512();
  throw std::invalid_argument("unsupported digest algorithm '" + algorithm + "'");
}

}  // namespace

bool isSupportedAlgorithm(std::string_view algorithm) { return hexLength(algorithm) != 0; }

std::optional<Digest> parseDigest(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view alg = text.substr(0, colon), hex = text.substr(colon + 1);
  size_t want = hexLength(alg);
  if (want == 0 || hex.size() != want) return std::nullopt;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  return Digest{std::string(alg), std::string(hex)};
}

struct Hasher::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Hasher::Hasher(const std::string& algorithm)
    : algorithm_(algorithm), ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, mdFor(algorithm), nullptr) != 1)
    throw std::runtime_error("cannot start a " + algorithm + " hash");
}

Hasher::Hasher(const Hasher& other) : algorithm_(other.algorithm_), ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_MD_CTX_copy_ex(ctx_->md, other.ctx_->md) != 1)
    throw std::runtime_error("cannot copy a hash state");
}

Hasher& Hasher::operator=(const Hasher& other) {
  if (this != &other) *this = Hasher(other);
  return *this;
}

Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::update(const void* data, size_t size) {
  if (size && EVP_DigestUpdate(ctx_->md, data, size) != 1)
    throw std::runtime_error("hash update failed");
}

Digest Hasher::digest() const {
  Hasher copy(*this);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(copy.ctx_->md, out, &n) != 1) throw std::runtime_error("hash failed");
  static const char kHex[] = "0123456789abcdef";
  std::string hex(n * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 15];
  }
  return Digest{algorithm_, hex};
}

Digest digestOf(std::string_view data, const std::string& algorithm) {
  Hasher h(algorithm);
  h.update(data);
  return h.digest();
}

}  // namespace wharf::registry

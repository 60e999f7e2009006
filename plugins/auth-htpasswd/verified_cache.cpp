#include "verified_cache.hpp"

#include <openssl/evp.h>

namespace wharf::auth {

std::string VerifiedCache::key(const std::string& user, const std::string& password,
                               const std::string& hash) {
  std::string input = user + '\0' + password + '\0' + hash;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(input.data(), input.size(), out, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

bool VerifiedCache::contains(const std::string& user, const std::string& password,
                             const std::string& hash) {
  if (ttl_.count() <= 0) return false;
  std::string k = key(user, password, hash);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return false;
  if (Clock::now() > it->second) {
    entries_.erase(it);
    return false;
  }
  return true;
}

void VerifiedCache::add(const std::string& user, const std::string& password,
                        const std::string& hash) {
  if (ttl_.count() <= 0) return;
  std::string k = key(user, password, hash);
  std::lock_guard lock(mutex_);
  if (entries_.size() > 10000) {
    auto now = Clock::now();
    std::erase_if(entries_, [&](const auto& kv) { return kv.second < now; });
  }
  entries_[k] = Clock::now() + ttl_;
}

void VerifiedCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace wharf::auth

// VerifiedCache: remembers for a short time that a user/password pair matched a given hash, so a
// push of many requests pays bcrypt once. Keys are SHA-256 over user, password and hash (no
// password is kept); a changed htpasswd entry changes the key.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wharf::auth {

class VerifiedCache {
 public:
  explicit VerifiedCache(std::chrono::seconds ttl) : ttl_(ttl) {}
  bool contains(const std::string& user, const std::string& password, const std::string& hash);
  void add(const std::string& user, const std::string& password, const std::string& hash);
  void clear();

 private:
  static std::string key(const std::string& user, const std::string& password,
                         const std::string& hash);
  using Clock = std::chrono::steady_clock;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> entries_;
};

}  // namespace wharf::auth

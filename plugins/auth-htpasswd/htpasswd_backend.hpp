// HtpasswdBackend: the auth-htpasswd plugin. HTTP Basic against a bcrypt htpasswd file that is
// re-read when its modification time changes; unknown users are checked against a dummy hash of
// the same cost (same timing); optional access rules file and anonymous pull.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "access_rules.hpp"
#include "htpasswd_file.hpp"
#include "verified_cache.hpp"
#include "wharf/cpp/auth.hpp"

namespace wharf::auth {

class HtpasswdBackend : public AuthBackend {
 public:
  HtpasswdBackend(const Config& config, const Host& host);

  void authorize(const AuthRequest& request, AuthDecision& out) override;
  void reload() override;
  void health() override;

 private:
  struct Snapshot {
    HtpasswdFile users;
    std::optional<AccessRules> rules;
    std::string dummyHash;
    int64_t usersMtime = 0, rulesMtime = 0;
  };
  std::shared_ptr<const Snapshot> current();
  std::shared_ptr<const Snapshot> loadSnapshot() const;
  // Actions `user` ("" = anonymous) may take on the requested resource.
  uint32_t allowed(const Snapshot& s, const std::string& user, const AuthRequest& r) const;

  Host host_;
  std::string file_, rules_file_, realm_;
  bool anonymous_pull_;
  VerifiedCache cache_;
  std::shared_mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::chrono::steady_clock::time_point next_check_;
  std::string last_error_;
};

}  // namespace wharf::auth

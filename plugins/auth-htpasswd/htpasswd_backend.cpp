#include "htpasswd_backend.hpp"

#include <sys/stat.h>

#include "basic_credentials.hpp"
#include "bcrypt.hpp"

namespace wharf::auth {

namespace {

constexpr uint32_t kAllActions =
    WHARF_ACTION_PULL | WHARF_ACTION_PUSH | WHARF_ACTION_DELETE | WHARF_ACTION_CATALOG;

int64_t mtimeOf(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

HtpasswdBackend::HtpasswdBackend(const Config& config, const Host& host)
    : host_(host),
      file_(config.required("file")),
      rules_file_(config.str("rules")),
      realm_(config.required("realm")),
      anonymous_pull_(config.boolean("anonymous_pull")),
      cache_(std::chrono::seconds(config.integer("cache_ttl"))) {
  snapshot_ = loadSnapshot();  // throws at start-up on a bad file
}

std::shared_ptr<const HtpasswdBackend::Snapshot> HtpasswdBackend::loadSnapshot() const {
  auto s = std::make_shared<Snapshot>();
  s->usersMtime = mtimeOf(file_);
  s->users = HtpasswdFile::load(file_);
  for (auto& w : s->users.warnings) host_.warning(file_ + ": " + w);
  if (!rules_file_.empty()) {
    s->rulesMtime = mtimeOf(rules_file_);
    s->rules = AccessRules::load(rules_file_);
  }
  s->dummyHash = bcryptHash("wharf-dummy-password", s->users.cost);
  return s;
}

std::shared_ptr<const HtpasswdBackend::Snapshot> HtpasswdBackend::current() {
  auto now = std::chrono::steady_clock::now();
  std::shared_ptr<const Snapshot> snap;
  {
    std::shared_lock lock(mutex_);
    snap = snapshot_;
    if (now < next_check_) return snap;
  }
  std::unique_lock lock(mutex_);
  if (now < next_check_) return snapshot_;
  next_check_ = now + std::chrono::seconds(1);
  if (mtimeOf(file_) == snapshot_->usersMtime &&
      (rules_file_.empty() || mtimeOf(rules_file_) == snapshot_->rulesMtime))
    return snapshot_;
  try {
    snapshot_ = loadSnapshot();
    cache_.clear();
    last_error_.clear();
    host_.info("reloaded " + file_ + " (" + std::to_string(snapshot_->users.users.size()) +
               " users)");
  } catch (const std::exception& e) {
    if (last_error_ != e.what())
      host_.error(std::string("reload failed, keeping the old entries: ") + e.what());
    last_error_ = e.what();
  }
  return snapshot_;
}

void HtpasswdBackend::reload() {
  std::shared_ptr<const Snapshot> s;
  try {
    s = loadSnapshot();
  } catch (const std::exception& e) {
    std::unique_lock lock(mutex_);
    last_error_ = e.what();  // /ready says so; the old entries stay in use
    throw;
  }
  std::unique_lock lock(mutex_);
  snapshot_ = s;
  cache_.clear();
  last_error_.clear();
}

void HtpasswdBackend::health() {
  std::shared_lock lock(mutex_);
  if (!last_error_.empty()) throw Error(WHARF_ERR_UNAVAILABLE, last_error_);
}

uint32_t HtpasswdBackend::allowed(const Snapshot& s, const std::string& user,
                                  const AuthRequest& r) const {
  const std::string type = r.resourceType();
  uint32_t out = 0;
  if (user.empty()) {
    if (anonymous_pull_ && type == "repository") out |= WHARF_ACTION_PULL;
  } else if (!s.rules) {
    out |= kAllActions;
  }
  if (s.rules) out |= s.rules->granted(user, type, r.resourceName());
  return out;
}

void HtpasswdBackend::authorize(const AuthRequest& r, AuthDecision& out) {
  auto snap = current();
  const uint32_t wanted = r.actions();
  const std::string challenge = "Basic realm=\"" + realm_ + "\"";
  auto header = r.header("Authorization");
  if (!header) {
    uint32_t granted = allowed(*snap, "", r) & wanted;
    out.granted = granted;
    if (wanted != 0 && granted == wanted) {
      out.outcome = WHARF_AUTH_GRANTED;
      return;
    }
    out.outcome = WHARF_AUTH_UNAUTHENTICATED;
    out.challenge = challenge;
    out.message = "authentication required";
    return;
  }
  auto creds = parseBasicAuthorization(*header);
  bool ok = false;
  if (creds) {
    auto it = snap->users.users.find(creds->user);
    const std::string& hash = it != snap->users.users.end() ? it->second : snap->dummyHash;
    if (cache_.contains(creds->user, creds->password, hash)) {
      ok = it != snap->users.users.end();
    } else {
      bool match = bcryptVerify(creds->password, hash);  // same cost for unknown users
      ok = match && it != snap->users.users.end();
      if (ok) cache_.add(creds->user, creds->password, hash);
    }
  }
  if (!ok) {
    out.outcome = WHARF_AUTH_UNAUTHENTICATED;
    out.challenge = challenge;
    out.message = "invalid username or password";
    return;
  }
  out.principal = creds->user;
  out.granted = allowed(*snap, creds->user, r) & wanted;
  if (out.granted == wanted) {
    out.outcome = WHARF_AUTH_GRANTED;
    return;
  }
  out.outcome = WHARF_AUTH_DENIED;
  out.message = "user '" + creds->user + "' may not " + actionNames(wanted & ~out.granted) + " " +
                r.resourceName();
}

}  // namespace wharf::auth

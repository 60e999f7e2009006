// Registration of the auth-htpasswd plugin: its INI keys and the exported entry point.
#include "htpasswd_backend.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"file", WHARF_KEY_FILE, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "htpasswd file of bcrypt hashes (htpasswd -B); re-read when it changes"},
    {"realm", WHARF_KEY_STRING, 0, kNoKind, "wharf", nullptr,
     "realm of the WWW-Authenticate: Basic challenge"},
    {"rules", WHARF_KEY_FILE, 0, kNoKind, nullptr, nullptr,
     "access rules file: '<user|*|anonymous> <repository glob> <pull,push,delete,catalog>' lines"
     " (none = every user may do everything)"},
    {"anonymous_pull", WHARF_KEY_BOOL, 0, kNoKind, "false", nullptr,
     "let requests without credentials pull every repository"},
    {"cache_ttl", WHARF_KEY_DURATION, 0, kNoKind, "60", nullptr,
     "remember a verified user/password for this long (0 = run bcrypt on every request)"},
};

}  // namespace

WHARF_AUTH_PLUGIN(wharf::auth::HtpasswdBackend, "auth-htpasswd", "0.1.0",
                  "HTTP Basic with bcrypt htpasswd files (libxcrypt), access rules, anonymous pull",
                  kKeys)

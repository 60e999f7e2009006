// Registration of the auth-ipallow plugin: its INI keys and the exported entry point.
#include "ipallow_backend.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"networks", WHARF_KEY_STRING, WHARF_KEY_REQUIRED | WHARF_KEY_LIST, kNoKind, nullptr, nullptr,
     "client networks in CIDR notation (10.0.0.0/8, ::1/128, 192.168.1.7)"},
    {"actions", WHARF_KEY_STRING, 0, kNoKind, "pull", nullptr,
     "actions granted to those clients: pull, push, delete, catalog or * (comma list in one word)"},
    {"repositories", WHARF_KEY_STRING, 0, kNoKind, "*", nullptr,
     "glob of the repositories the grant covers ('*' also matches '/')"},
};

}  // namespace

WHARF_AUTH_PLUGIN(wharf::auth::IpAllowBackend, "auth-ipallow", "0.1.0",
                  "grants actions to clients from listed networks (CIDR)", kKeys)

// Registration of the auth-token plugin: its INI keys and the exported entry point.
#include "token_backend.hpp"

namespace {

constexpr auto kNoKind = static_cast<wharf_plugin_kind>(0);

const wharf_config_key kKeys[] = {
    {"realm", WHARF_KEY_STRING, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "URL of the token server, sent in the Bearer challenge"},
    {"service", WHARF_KEY_STRING, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "service name: the challenge's service and the audience tokens must carry"},
    {"issuer", WHARF_KEY_STRING, WHARF_KEY_REQUIRED, kNoKind, nullptr, nullptr,
     "the iss claim tokens must carry"},
    {"root_cert_bundle", WHARF_KEY_FILE, 0, kNoKind, nullptr, nullptr,
     "PEM roots that a token's x5c chain must lead to"},
    {"jwks", WHARF_KEY_FILE, 0, kNoKind, nullptr, nullptr,
     "JWK set file of the token signing keys (RSA, EC P-256, Ed25519)"},
    {"leeway", WHARF_KEY_DURATION, 0, kNoKind, "60", nullptr, "clock skew allowed for exp and nbf"},
};

}  // namespace

WHARF_AUTH_PLUGIN(wharf::auth::TokenBackend, "auth-token", "0.1.0",
                  "Docker token authentication: JWT (RS256, ES256, EdDSA) verified with OpenSSL",
                  kKeys)

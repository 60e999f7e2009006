// /admin/plugins, /admin/config, /admin/log-level, /admin/drain on the admin listener, guarded by
// a bearer token when [host] admin_token_file is set.
#include <openssl/crypto.h>

#include <fstream>
#include <set>

#include "config/plugin_keys.hpp"
#include "config/value_parsers.hpp"
#include "http/exchange.hpp"
#include "json/json_body.hpp"
#include "logging/logging.hpp"
#include "runtime/server.hpp"
#include "services/builtin_routes.hpp"
#include "wharf/cpp/secret_file.hpp"

namespace wharf::host {

namespace {

// No token file: the admin listener is open (bind it to loopback). A token file that is empty or
// unusable is a start-up error (readSecretFile throws), never an open door.
std::string readToken(const std::string& file) {
  return file.empty() ? std::string() : readSecretFile(file);
}

bool authorized(HttpExchange& ex, const std::string& token) {
  if (token.empty()) return true;
  const char* h = ex.header("Authorization");
  std::string expected = "Bearer " + token;
  return h && std::strlen(h) == expected.size() &&
         CRYPTO_memcmp(h, expected.data(), expected.size()) == 0;
}

std::string pluginsJson(Server& server) {
  Json instances = Json::array();
  for (auto& inst : server.instances().instances()) {
    const wharf_plugin& p = inst.plugin();
    Json i = {{"instance", inst.name},
              {"module", inst.module->name},
              {"kind", wharf_kind_name(p.kind)},
              {"version", p.version ? p.version : ""},
              {"abi", std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor)},
              {"file", inst.module->path}};
    if (!inst.listener.empty()) i["listener"] = inst.listener;
    instances.push_back(std::move(i));
  }
  Json modules = Json::array();
  for (auto& [name, path] : server.modules().discover())
    modules.push_back({{"module", name}, {"file", path}});
  return toJsonText({{"instances", instances}, {"modules", modules}});
}

std::string configJson(Server& server) {
  std::map<std::string, const PluginInstance*> by_section;
  for (auto& inst : server.instances().instances()) by_section["plugin." + inst.name] = &inst;
  static const std::set<std::string> host_secrets = {"admin_token_file"};
  Json sections = Json::object();
  for (auto& s : server.ini().sections()) {
    const PluginInstance* inst = by_section.count(s.name) ? by_section[s.name] : nullptr;
    Json entries = Json::object();
    for (auto& [key, value] : s.entries) {
      bool secret = inst ? inst->isSecret(key) : (host_secrets.count(key) == 0 && looksSecret(key));
      if (key == "tls_key") secret = false;  // a path, not the key itself
      entries[key] = secret ? "<redacted>" : value;
    }
    sections[s.name] = std::move(entries);
  }
  return toJsonText({{"file", server.config().file}, {"sections", sections}});
}

void setLevel(HttpExchange& ex) {
  std::string body;
  char buf[4096];
  int64_t n;
  while ((n = ex.read(buf, sizeof buf)) > 0 && body.size() < 65536)
    body.append(buf, static_cast<size_t>(n));
  std::string level, logger;
  if (const char* l = ex.queryParam("level")) level = l;
  if (const char* l = ex.queryParam("logger")) logger = l;
  if (!trim(body).empty()) {
    try {
      Json obj = Json::parse(body);
      if (!obj.is_object()) throw std::invalid_argument("not an object");
      level = obj.value("level", level);
      logger = obj.value("logger", logger);
    } catch (const std::exception&) {
      ex.respond(400, "application/json",
                 hostErrorJson(400, "invalid_request",
                               "body must be a JSON object {\"level\":…,\"logger\":…}"));
      return;
    }
  }
  try {
    setLogLevel(logger, toLower(level));
  } catch (const std::exception&) {
    ex.respond(400, "application/json",
               hostErrorJson(400, "invalid_request",
                             "unknown level '" + level +
                                 "' (trace, debug, info, warning, error, fatal, none)"));
    return;
  }
  hostLogger().notice("log level of " + (logger.empty() ? std::string("wharf") : logger) +
                      " set to " + level);
  ex.respond(
      200, "application/json",
      toJsonText({{"logger", logger.empty() ? "wharf" : logger}, {"level", toLower(level)}}));
}

}  // namespace

RouteHandler adminGuard(const std::string& token_file, RouteHandler inner) {
  std::string token = readToken(token_file);
  return [token, inner = std::move(inner)](HttpExchange& ex) {
    ex.addHeader("Cache-Control", "no-store");
    if (!authorized(ex, token)) {
      ex.addHeader("WWW-Authenticate", "Bearer realm=\"wharf-admin\"");
      ex.respond(401, "application/json",
                 hostErrorJson(401, "unauthorized", "admin token required"));
      return;
    }
    inner(ex);
  };
}

void installAdminRoutes(Router& router, Server& server) {
  const std::string& token_file = server.config().admin_token_file;
  // Answers 405 unless the method is `allowed`.
  auto only = [](HttpExchange& ex, const char* allowed) {
    if (ex.method() == allowed) return true;
    ex.addHeader("Allow", allowed);
    ex.respond(405, "application/json",
               hostErrorJson(405, "method_not_allowed", ex.path() + " accepts " + allowed));
    return false;
  };
  router.add("/admin/plugins", "host",
             adminGuard(token_file,
                        [&server, only](HttpExchange& ex) {
                          if (only(ex, "GET"))
                            ex.respond(200, "application/json", pluginsJson(server));
                        }),
             true);
  router.add("/admin/config", "host",
             adminGuard(token_file,
                        [&server, only](HttpExchange& ex) {
                          if (only(ex, "GET"))
                            ex.respond(200, "application/json", configJson(server));
                        }),
             true);
  router.add("/admin/log-level", "host",
             adminGuard(token_file,
                        [only](HttpExchange& ex) {
                          if (only(ex, "PUT")) setLevel(ex);
                        }),
             true);
  router.add("/admin/drain", "host",
             adminGuard(token_file,
                        [&server, only](HttpExchange& ex) {
                          if (!only(ex, "POST")) return;
                          server.beginDrain();
                          ex.respond(202, "application/json",
                                     toJsonText({{"draining", true},
                                                 {"in_flight", server.inFlight() - 1}}));
                        }),
             true);
}

}  // namespace wharf::host

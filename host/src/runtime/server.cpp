#include "runtime/server.hpp"

#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "http/exchange.hpp"
#include "logging/logging.hpp"
#include "services/builtin_routes.hpp"
#include "wharf/cpp/http_service.hpp"

namespace wharf::host {

namespace {
// Every open connection is a descriptor: raise the soft limit to the hard one, and say so when the
// listeners' max_connections cannot all be reached.
void raiseDescriptorLimit(const HostConfig& config) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  uint64_t wanted = 256;  // models, blobs, logs
  for (auto& l : config.listeners)
    wanted += l.max_connections > 0 ? static_cast<uint64_t>(l.max_connections) : 0;
  if (lim.rlim_cur != RLIM_INFINITY && wanted > lim.rlim_cur)
    hostLogger().warning("the descriptor limit (" + std::to_string(lim.rlim_cur) +
                         ") is below the listeners' max_connections in all (" +
                         std::to_string(wanted - 256) +
                         "): connections past it are refused; raise LimitNOFILE");
}
}  // namespace

Server::Server(const std::string& config_path)
    : ini_(IniSource::load(config_path)),
      config_(parseHostConfig(ini_)),
      host_api_(metrics_, draining_, stopping_) {
  loader_ = std::make_unique<ModuleLoader>(config_.plugin_path, host_api_.api());
  instances_ = std::make_unique<InstanceManager>(config_, ini_, *loader_);
  instances_->validate();
}

Server::~Server() { stop(); }

void Server::start() {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec)
    throw ini_.error("host", "data_dir",
                     "cannot create '" + config_.data_dir + "': " + ec.message());
  raiseDescriptorLimit(config_);
  for (auto& l : config_.listeners)
    listeners_.push_back(
        std::make_unique<Listener>(l, config_.file, config_.data_dir, metrics_, draining_));
  createInstances();
  installRoutes();
  for (auto& l : listeners_) l->start();
}

void Server::createInstances() {
  host_api_.setInstances(instances_.get());
  instances_->createAll(host_api_.api());
}

void Server::installRoutes() {
  std::map<std::string, Listener*> by_name;
  for (auto& l : listeners_) {
    by_name[l->config().name] = l.get();
    installHealthRoutes(l->router(), *this);
    if (l->config().name == config_.metrics_listener) installMetricsRoute(l->router(), metrics_);
    if (l->config().name == config_.admin_listener) installAdminRoutes(l->router(), *this);
  }
  for (auto& inst : instances_->instances()) {
    if (inst.kind() != WHARF_KIND_HTTP_SERVICE) continue;
    auto* table = static_cast<const wharf_http_service_v1*>(inst.module->kindTable());
    HttpServiceClient client(table, inst.handle);
    const std::string section = "plugin." + inst.name;
    for (auto& claim : client.routes()) {
      auto [listener_name, path] = resolveClaim(inst, claim);
      Listener* listener = by_name.at(listener_name);
      RouteHandler handler = [client](HttpExchange& ex) { client.handle(ex.asC()); };
      if (listener_name == config_.admin_listener)
        handler = adminGuard(config_.admin_token_file, std::move(handler));
      try {
        listener->router().add(path, "[plugin." + inst.name + "]", std::move(handler));
      } catch (const std::exception& e) {
        throw ini_.error(section, "listener",
                         "route conflict on listener " + listener_name + ": " + e.what());
      }
    }
  }
}

std::pair<std::string, std::string> Server::resolveClaim(const PluginInstance& inst,
                                                         const std::string& claim) const {
  // "/path" goes to the instance's `listener`; "<key>:/path" to the listener named by the
  // instance's LISTENER-typed key <key> (e.g. an inference service's admin_listener).
  size_t colon = claim.find(':');
  if (claim.empty() || claim[0] == '/' || colon == std::string::npos) return {inst.listener, claim};
  std::string key = claim.substr(0, colon);
  const wharf_plugin& p = inst.plugin();
  bool listener_key = false;
  for (size_t i = 0; i < p.config_key_count; ++i)
    if (key == p.config_keys[i].name && p.config_keys[i].type == WHARF_KEY_LISTENER)
      listener_key = true;
  for (auto& [k, v] : inst.values)
    if (listener_key && k == key && !v.empty()) return {v, claim.substr(colon + 1)};
  throw ini_.error("plugin." + inst.name, key,
                   "route '" + claim + "' names '" + key +
                       "', which is not a listener key set on this instance");
}

void Server::beginDrain() {
  if (!draining_.exchange(true))
    hostLogger().information("draining: refusing new work, finishing requests in flight");
}

int Server::inFlight() const {
  int n = 0;
  for (auto& l : listeners_) n += l->inFlight();
  return n;
}

int Server::waitForIdle(double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  // The request asking for a drain (POST /admin/drain) may itself be in flight: callers account for
  // it.
  while (std::chrono::steady_clock::now() < deadline) {
    if (inFlight() == 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return inFlight();
}

void Server::abortInFlight() {
  beginDrain();
  stopping_ = true;
  for (auto& l : listeners_) l->cancelReads();
}

void Server::stop() {
  for (auto& l : listeners_) l->stopAccepting();
  for (auto& l : listeners_) l->stop();
  listeners_.clear();
  if (instances_) instances_->destroyAll();
}

std::vector<std::pair<std::string, std::string>> Server::reload() {
  return instances_->reloadAll();
}

bool Server::stalled(double seconds) const {
  for (auto& l : listeners_)
    if (l->stalled(seconds)) return true;
  return false;
}

}  // namespace wharf::host

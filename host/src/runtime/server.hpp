// The running host: configuration, modules, instances, listeners and their routes, and the
// lifecycle (start, drain, reload, stop).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/host_config.hpp"
#include "config/ini_source.hpp"
#include "http/listener.hpp"
#include "metrics/metrics_hub.hpp"
#include "plugins/instance_manager.hpp"
#include "plugins/module_loader.hpp"
#include "runtime/host_api.hpp"

namespace wharf::host {

class Server {
 public:
  // Reads and validates the configuration, loads and checks every module. Throws ConfigError /
  // LoadError. Does not bind or create anything: this is all `check-config` does.
  explicit Server(const std::string& config_path);
  ~Server();

  // Binds every listener, creates the instances in dependency order and installs the routes.
  // Throws with a message naming the section/instance on failure.
  void start();
  // Creates the instances only (no listeners): for offline commands such as `wharfd gc`.
  void createInstances();
  // Starts refusing new work; /ready answers 503.
  void beginDrain();
  // Waits until no request is in flight or the deadline passes; returns the requests left.
  int waitForIdle(double seconds);
  // The drain deadline has passed: plugins see wharf_host_api.stopping and end their work (running
  // generations finish with "abort"), and request bodies still being read fail (uploads are
  // cancelled) because every connection's read side is shut down.
  void abortInFlight();
  // Stops the listeners and destroys the instances (reverse order).
  void stop();
  // Asks every instance to re-read its files (SIGHUP).
  std::vector<std::pair<std::string, std::string>> reload();
  // Whether any listener looks hung (every worker busy, nothing finished for `seconds`).
  bool stalled(double seconds) const;

  bool draining() const { return draining_.load(); }
  const HostConfig& config() const { return config_; }
  const IniSource& ini() const { return ini_; }
  InstanceManager& instances() { return *instances_; }
  ModuleLoader& modules() { return *loader_; }
  MetricsHub& metrics() { return metrics_; }
  int inFlight() const;
  std::vector<std::pair<std::string, std::string>> unhealthy() const {
    return instances_->unhealthy();
  }

 private:
  void installRoutes();
  // The listener and path of one route claim of `inst`.
  std::pair<std::string, std::string> resolveClaim(const PluginInstance& inst,
                                                   const std::string& claim) const;

  IniSource ini_;
  HostConfig config_;
  MetricsHub metrics_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  HostApi host_api_;
  std::unique_ptr<ModuleLoader> loader_;
  std::unique_ptr<InstanceManager> instances_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

}  // namespace wharf::host

#include "cli/commands.hpp"

#include <Poco/Net/ServerSocket.h>
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include "config/config_error.hpp"
#include "config/host_keys.hpp"
#include "config/plugin_keys.hpp"
#include "logging/logging.hpp"
#include "plugins/module_loader.hpp"
#include "runtime/host_api.hpp"
#include "runtime/server.hpp"
#include "version.hpp"

namespace wharf::host {

namespace {

// One key as `wharfd plugins` lists it: name (type, required, default): help.
void printKey(const wharf_config_key& k) {
  std::cout << "    " << k.name << " (" << keyTypeName(k.type)
            << ((k.flags & WHARF_KEY_REQUIRED) ? ", required" : "")
            << (k.default_value ? std::string(", default ") + k.default_value : std::string())
            << ")" << (k.help ? std::string(": ") + k.help : std::string()) << "\n";
}

}  // namespace

int commandVersion() {
  std::cout << "wharfd " << WHARF_VERSION << " (plugin ABI " << WHARF_ABI_MAJOR << "."
            << WHARF_ABI_MINOR << ")\n";
  return 0;
}

int commandCheckConfig(const std::string& file, bool bind) {
  try {
    Server server(file);
    // Ports: try to bind each listener's address (and release it at once).
    for (auto& l : server.config().listeners) {
      if (!bind) break;
      try {
        Poco::Net::ServerSocket probe;
        probe.bind(Poco::Net::SocketAddress(l.bind.host, l.bind.port), true, false);
      } catch (const Poco::Exception& e) {
        throw server.ini().error(
            "listener." + l.name, "bind",
            "address " + l.bind.str() + " is not available: " + e.displayText());
      }
    }
    std::cout << file << ": OK (" << server.config().listeners.size() << " listeners, "
              << server.instances().instances().size() << " plugin instances)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "wharfd: " << e.what() << "\n";
    return kExitConfig;
  }
}

int commandPlugins(const std::string& config_file) {
  std::vector<std::string> path;
  if (!config_file.empty()) {
    try {
      path = parseHostConfig(IniSource::load(config_file)).plugin_path;
    } catch (const std::exception& e) {
      std::cerr << "wharfd: " << e.what() << "\n";
      return kExitConfig;
    }
  }
  MetricsHub metrics;
  std::atomic<bool> draining{false}, stopping{false};
  HostApi api(metrics, draining, stopping);
  ModuleLoader loader(path, api.api());
  int bad = 0;
  for (auto [section, table] : {std::pair{"[host]", &hostKeyTable()},
                                std::pair{"[listener.<name>]", &listenerKeyTable()}}) {
    std::cout << "host\t" << section << "\n";
    for (const wharf_config_key& k : *table) printKey(k);
  }
  std::cout << "search path:";
  for (auto& d : loader.searchPath()) std::cout << " " << d;
  std::cout << "\n";
  for (auto& [name, file] : loader.discover()) {
    try {
      const LoadedModule& m = loader.loadFile(file);
      const wharf_plugin& p = m.descriptor;
      std::cout << wharf_kind_name(p.kind) << "\t" << p.name << "\t"
                << (p.version ? p.version : "?") << "\tABI " << p.abi_major << "." << p.abi_minor
                << "\t" << file << "\n";
      if (p.description && *p.description) std::cout << "    " << p.description << "\n";
      for (size_t i = 0; i < p.config_key_count; ++i) printKey(p.config_keys[i]);
    } catch (const std::exception& e) {
      ++bad;
      std::cout << "error\t" << name << "\t" << e.what() << "\n";
    }
  }
  return bad ? 1 : 0;
}

int commandPlugin(const std::string& command, const std::string& config_file,
                  const std::vector<std::string>& args) {
  // SIGINT/SIGTERM go to the watcher below (blocked here before any plugin thread exists).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::unique_ptr<Server> server;
  try {
    server = std::make_unique<Server>(config_file);
    const auto& c = server->config();
    setupLogging(c.log_level, c.log_format, c.log_file);
    server->createInstances();
  } catch (const std::exception& e) {
    std::cerr << "wharfd: " << e.what() << "\n";
    return kExitConfig;
  }
  std::atomic<bool> done{false}, interrupted{false};
  std::thread watcher([&] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!done) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        interrupted = true;
        server->abortInFlight();  // the host's stopping flag, which long commands poll
      }
    }
  });
  struct JoinWatcher {
    std::atomic<bool>& done;
    std::thread& t;
    ~JoinWatcher() {
      done = true;
      t.join();
    }
  } join{done, watcher};
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  int ran = 0, failed = 0;
  for (auto& inst : server->instances().instances()) {
    const wharf_plugin& p = inst.plugin();
    if (!p.run_command) continue;
    wharf_error* err = nullptr;
    auto out = [](void* ctx, const char* line) {
      std::cout << "[" << *static_cast<const std::string*>(ctx) << "] " << (line ? line : "")
                << std::endl;
    };
    wharf_status st = p.run_command(inst.handle, command.c_str(), argv.data(), argv.size(), out,
                                    const_cast<std::string*>(&inst.name), &err);
    if (st == WHARF_ERR_UNSUPPORTED) {
      wharf_error_release(err);
      continue;
    }
    ++ran;
    if (st != WHARF_OK) {
      ++failed;
      std::cerr << "wharfd: " << command << " on '" << inst.name
                << "' failed: " << (err && err->message ? err->message : wharf_status_name(st))
                << "\n";
    }
    wharf_error_release(err);
  }
  if (ran == 0) {
    std::cerr << "wharfd: no instance in " << config_file << " supports '" << command << "'\n";
    return kExitUsage;
  }
  if (failed && interrupted) return kExitInterrupted;
  return failed ? 1 : 0;
}

}  // namespace wharf::host

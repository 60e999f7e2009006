// wharfd: the Wharf host. `wharfd --config FILE` serves; see usage() for the sub-commands.
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "config/config_error.hpp"
#include "logging/logging.hpp"
#include "runtime/lifecycle.hpp"
#include "runtime/server.hpp"

namespace {

using wharf::host::kExitConfig;
using wharf::host::kExitSoftware;
using wharf::host::kExitUsage;

void usage(std::ostream& out) {
  out << "usage: wharfd --config FILE [--daemon --pidfile=FILE]   serve\n"
         "       wharfd check-config FILE                        validate a configuration and "
         "exit\n"
         "       wharfd plugins [--config FILE]                  list the plugin modules found\n"
         "       wharfd gc --config FILE [--dry-run] [--delete-untagged]  registry garbage "
         "collection\n"
         "       wharfd quantize --method awq|squeezellm|rtn --model DIR --out DIR [...]\n"
         "                                                       write a 4-bit quantized model\n"
         "       wharfd version                                  print the version\n";
}

class WharfServer : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override {
    ServerApplication::defineOptions(options);
    options.addOption(
        Poco::Util::Option("config", "c", "configuration file (INI)")
            .required(false)
            .repeatable(false)
            .argument("FILE")
            .callback(Poco::Util::OptionCallback<WharfServer>(this, &WharfServer::setConfig)));
    options.addOption(
        Poco::Util::Option("help", "h", "show usage")
            .callback(Poco::Util::OptionCallback<WharfServer>(this, &WharfServer::setHelp)));
  }
  void setConfig(const std::string&, const std::string& value) { config_ = value; }
  void setHelp(const std::string&, const std::string&) {
    help_ = true;
    stopOptionsProcessing();
  }

  int main(const std::vector<std::string>& args) override {
    if (help_) {
      usage(std::cout);
      return 0;
    }
    if (config_.empty() || !args.empty()) {
      usage(std::cerr);
      return kExitUsage;
    }
    std::unique_ptr<wharf::host::Server> server;
    try {
      server = std::make_unique<wharf::host::Server>(config_);
      const auto& c = server->config();
      wharf::host::setupLogging(c.log_level, c.log_format, c.log_file);
      server->start();
    } catch (const std::exception& e) {
      std::cerr << "wharfd: " << e.what() << std::endl;
      wharf::host::hostLogger().fatal(e.what());
      return kExitConfig;
    }
    try {
      return wharf::host::runUntilStopped(*server);
    } catch (const std::exception& e) {
      wharf::host::hostLogger().fatal(std::string("fatal: ") + e.what());
      return kExitSoftware;
    }
  }

 private:
  std::string config_;
  bool help_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "version" || cmd == "--version") return wharf::host::commandVersion();
  if (cmd == "check-config") {
    bool bind = true;
    std::string file;
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--no-bind")
        bind = false;
      else if (file.empty())
        file = a;
      else
        file = "";
    }
    if (file.empty() || argc > 4) {
      usage(std::cerr);
      return kExitUsage;
    }
    return wharf::host::commandCheckConfig(file, bind);
  }
  if (cmd == "plugins") {
    std::string config;
    if (argc == 4 && (std::string(argv[2]) == "--config" || std::string(argv[2]) == "-c"))
      config = argv[3];
    else if (argc != 2) {
      usage(std::cerr);
      return kExitUsage;
    }
    return wharf::host::commandPlugins(config);
  }
  if (cmd == "gc") {
    // wharfd gc --config FILE [--dry-run] [--delete-untagged]
    std::string config;
    std::vector<std::string> rest;
    for (int i = 2; i < argc; ++i) {
      std::string a = argv[i];
      if ((a == "--config" || a == "-c") && i + 1 < argc)
        config = argv[++i];
      else if (a.rfind("--config=", 0) == 0)
        config = a.substr(9);
      else
        rest.push_back(a);
    }
    if (config.empty()) {
      usage(std::cerr);
      return kExitUsage;
    }
    return wharf::host::commandPlugin(cmd, config, rest);
  }
  if (cmd == "quantize") return wharf::host::commandQuantize({argv + 2, argv + argc});
  if (!cmd.empty() && cmd[0] != '-') {
    std::cerr << "wharfd: unknown command '" << cmd << "'\n";
    usage(std::cerr);
    return kExitUsage;
  }
  wharf::host::blockLifecycleSignals();
  WharfServer app;
  try {
    return app.run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "wharfd: " << e.what() << "\n";
    usage(std::cerr);
    return kExitUsage;
  }
}

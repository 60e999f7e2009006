// wharfd's sub-commands other than serving: version, check-config, plugins, plugin commands
// (gc) and quantize.
#pragma once

#include <string>
#include <vector>

namespace wharf::host {

int commandVersion();
// Validates `file`; with `bind`, also checks that every listener address can be bound (skip it
// to check a new configuration while the server that uses the ports is running).
int commandCheckConfig(const std::string& file, bool bind = true);
int commandPlugins(const std::string& config_file);
// `wharfd <command> --config FILE [args...]`: runs a plugin command (e.g. "gc") on every instance
// whose plugin supports it, with the listeners down.
// SIGINT and SIGTERM set the host's stopping flag (wharf_host_api.stopping) for the command to
// end early; the exit code is then 130.
int commandPlugin(const std::string& command, const std::string& config_file,
                  const std::vector<std::string>& args);
// `wharfd quantize ...` (quantize_command.cpp).
int commandQuantize(const std::vector<std::string>& args);

// Exit codes (sysexits.h).
constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;
constexpr int kExitSoftware = 70;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it

}  // namespace wharf::host

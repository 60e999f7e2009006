// Logging set-up: Poco loggers per component ("wharf.host", "wharf.<instance>",
// "access.<listener>") writing text or JSON lines to stderr or a file.
#pragma once

#include <Poco/Logger.h>

#include <string>

#include "config/host_config.hpp"

namespace wharf::host {

// Configures the root logger; the level applies to every "wharf.*" logger.
void setupLogging(const std::string& level, LogFormat format, const std::string& file);
// A logger for an access log: "off", "stdout", "stderr" or a file path. Returns nullptr for off.
Poco::Logger* makeAccessLogger(const std::string& listener, const std::string& target,
                               LogFormat format);
// Sets the level of `logger` ("" = all loggers) — for PUT /admin/log-level. Throws on a bad level.
void setLogLevel(const std::string& logger, const std::string& level);
Poco::Logger& hostLogger();

}  // namespace wharf::host

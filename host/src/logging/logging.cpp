#include "logging/logging.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Message.h>
#include <Poco/PatternFormatter.h>
#include <Poco/StreamChannel.h>

#include <cstdio>
#include <iostream>

#include "json/json_body.hpp"

namespace wharf::host {

namespace {

const char* levelName(Poco::Message::Priority p) {
  switch (p) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "info";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    case Poco::Message::PRIO_TRACE:
      return "trace";
  }
  return "info";
}

// One JSON object per line: {"ts","level","logger","msg"}.
class JsonFormatter : public Poco::Formatter {
 public:
  void format(const Poco::Message& msg, std::string& text) override {
    text =
        toJsonText({{"ts", Poco::DateTimeFormatter::format(msg.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ")},
                    {"level", levelName(msg.getPriority())},
                    {"logger", msg.getSource()},
                    {"msg", msg.getText()}});
  }
};

// Access log lines are already formatted by the listener; pass the text through.
class PlainFormatter : public Poco::Formatter {
 public:
  void format(const Poco::Message& msg, std::string& text) override { text = msg.getText(); }
};

Poco::AutoPtr<Poco::Channel> targetChannel(const std::string& target) {
  if (target.empty() || target == "stderr") return new Poco::StreamChannel(std::cerr);
  if (target == "stdout") return new Poco::StreamChannel(std::cout);
  Poco::AutoPtr<Poco::FileChannel> f = new Poco::FileChannel(target);
  // Each line reaches the file when it is logged: a running instance's log is readable, and a
  // SIGKILL or a crash loses nothing already logged.
  f->setProperty("flush", "true");
  return f;
}

}  // namespace

void setupLogging(const std::string& level, LogFormat format, const std::string& file) {
  Poco::AutoPtr<Poco::Formatter> fmt;
  if (format == LogFormat::Json) {
    fmt = new JsonFormatter;
  } else {
    auto* p = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %q %s: %t");
    p->setProperty("times", "UTC");
    fmt = p;
  }
  Poco::AutoPtr<Poco::FormattingChannel> channel =
      new Poco::FormattingChannel(fmt, targetChannel(file));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(level);
  Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

Poco::Logger* makeAccessLogger(const std::string& listener, const std::string& target, LogFormat) {
  if (target == "off" || target.empty()) return nullptr;
  Poco::Logger& logger = Poco::Logger::get("access." + listener);
  Poco::AutoPtr<Poco::Formatter> fmt = new PlainFormatter;
  Poco::AutoPtr<Poco::FormattingChannel> channel =
      new Poco::FormattingChannel(fmt, targetChannel(target));
  logger.setChannel(channel);
  logger.setLevel(Poco::Message::PRIO_INFORMATION);
  return &logger;
}

void setLogLevel(const std::string& logger, const std::string& level) {
  int prio = Poco::Logger::parseLevel(level == "info" ? "information" : level);  // throws
  // "" = every Wharf logger (not the access logs, which always log at information).
  Poco::Logger::setLevel(logger.empty() ? "wharf" : logger, prio);
}

Poco::Logger& hostLogger() { return Poco::Logger::get("wharf.host"); }

}  // namespace wharf::host

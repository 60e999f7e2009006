// Config validation: every mistake stops with one line naming file, line, section and key.
#include <gtest/gtest.h>

#include "config/host_config.hpp"
#include "temp_files.hpp"

using namespace wharf::host;
using wharf::test::TempDir;

namespace {

// Parses `ini` and returns the error message ("" when valid).
std::string errorOf(const std::string& ini) {
  TempDir dir;
  std::string path = dir.write("test.ini", ini);
  try {
    parseHostConfig(IniSource::load(path));
    return "";
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    // Make the message independent of the temp dir.
    return msg.substr(msg.find("test.ini"));
  }
}

const char* kMinimal =
    "[host]\nmetrics_listener = none\nadmin_listener = none\n[listener.api]\nbind = "
    "127.0.0.1:5000\n";

}  // namespace

TEST(Config, MinimalIsValid) { EXPECT_EQ(errorOf(kMinimal), ""); }

TEST(Config, UnknownSection) {
  EXPECT_EQ(errorOf(std::string(kMinimal) + "[listner.x]\nbind = :1\n"),
            "test.ini:6: [listner.x]: unknown section (expected [host], [listener.<name>] or "
            "[plugin.<instance>])");
}

TEST(Config, UnknownKeyNamesLine) {
  std::string msg = errorOf(
      "[host]\nmetrics_listener = none\nadmin_listener = none\n[listener.api]\nbind = :5000\nbnd = "
      ":1\n");
  EXPECT_EQ(msg.rfind("test.ini:6: [listener.api] bnd: unknown key", 0), 0u) << msg;
}

TEST(Config, MissingBind) {
  EXPECT_EQ(errorOf("[listener.api]\nallow = 10.0.0.0/8\n"),
            "test.ini:1: [listener.api] bind: missing required key (e.g. bind = 127.0.0.1:5000)");
}

TEST(Config, BadValues) {
  EXPECT_EQ(errorOf("[listener.api]\nbind = 127.0.0.1:99999\n"),
            "test.ini:2: [listener.api] bind: port out of range in '127.0.0.1:99999'");
  EXPECT_EQ(errorOf("[listener.api]\nbind = :1\nallow = 10.0.0.0/40\n"),
            "test.ini:3: [listener.api] allow: prefix length out of range in '10.0.0.0/40'");
  EXPECT_EQ(errorOf("[listener.api]\nbind = :1\nmax_body = lots\n"),
            "test.ini:3: [listener.api] max_body: expected a size such as 64M, got 'lots'");
  EXPECT_EQ(errorOf("[host]\nlog_level = chatty\n"),
            "test.ini:2: [host] log_level: unknown level 'chatty' (trace, debug, info, warning, "
            "error, fatal, none)");
}

TEST(Config, DuplicateBindAndKeys) {
  EXPECT_EQ(errorOf("[listener.a]\nbind = 127.0.0.1:5000\n[listener.b]\nbind = 127.0.0.1:5000\n"),
            "test.ini:4: [listener.b] bind: address 127.0.0.1:5000 already used by [listener.a]");
  EXPECT_EQ(errorOf("[listener.a]\nbind = :1\nbind = :2\n"),
            "test.ini:3: [listener.a] bind: duplicate key");
  EXPECT_EQ(errorOf("[host]\n[host]\n"),
            "test.ini:2: [host]: duplicate section (first defined earlier)");
}

TEST(Config, TlsFilesMustExist) {
  EXPECT_EQ(errorOf("[listener.a]\nbind = :1\ntls_cert = /nonexistent/cert.pem\ntls_key = "
                    "/nonexistent/key.pem\n"),
            "test.ini:3: [listener.a] tls_cert: cannot read '/nonexistent/cert.pem'");
  EXPECT_EQ(errorOf("[listener.a]\nbind = :1\ntls = on\n"),
            "test.ini:1: [listener.a] tls_cert: missing (needed with tls_key or tls = on)");
  EXPECT_EQ(errorOf("[listener.a]\nbind = :1\ntls = self-signed\n[host]\nmetrics_listener = "
                    "none\nadmin_listener = none\n"),
            "");
}

TEST(Config, NamedListenersMustExist) {
  EXPECT_EQ(errorOf("[host]\nmetrics_listener = prom\nadmin_listener = none\n"),
            "test.ini:2: [host] metrics_listener: no [listener.prom] section (or use 'none')");
}

TEST(Config, DefaultListenersAreAdded) {
  TempDir dir;
  auto cfg = parseHostConfig(
      IniSource::load(dir.write("t.ini", "[listener.api]\nbind = 127.0.0.1:5000\n")));
  ASSERT_NE(cfg.listener("metrics"), nullptr);
  EXPECT_EQ(cfg.listener("metrics")->bind.port, 9100);
  ASSERT_NE(cfg.listener("admin"), nullptr);
  EXPECT_EQ(cfg.listener("admin")->bind.str(), "127.0.0.1:8080");
}

TEST(Config, PluginSectionsNeedAModule) {
  EXPECT_EQ(errorOf(std::string(kMinimal) + "[plugin.fs]\nroot = /tmp\n"),
            "test.ini:6: [plugin.fs] module: missing required key (the plugin module name, e.g. "
            "storage-fs)");
  EXPECT_EQ(errorOf(std::string(kMinimal) + "[plugin.bad name]\nmodule = x\n"),
            "test.ini:6: [plugin.bad name]: invalid instance name (letters, digits, '-' and '_')");
}

TEST(Config, MissingFile) {
  try {
    IniSource::load("/nonexistent/wharf.ini");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/wharf.ini: cannot open the configuration file");
  }
}

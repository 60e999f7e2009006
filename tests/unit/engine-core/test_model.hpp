// Locates the real model for tests that need it (env WHARF_TEST_MODEL) and the committed fixtures.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace wharf::engine::test {

// Path of the SmolLM2 GGUF, or "" when WHARF_TEST_MODEL is unset or names no file.
inline std::string testModelPath() {
  const char* p = std::getenv("WHARF_TEST_MODEL");
  if (!p || !*p || !std::filesystem::exists(p)) return {};
  return p;
}

inline std::string fixturePath(const std::string& name) {
  return std::string(WHARF_ENGINE_FIXTURES_DIR) + "/" + name;
}

}  // namespace wharf::engine::test

#define WHARF_REQUIRE_TEST_MODEL(var)                                                         \
  const std::string var = ::wharf::engine::test::testModelPath();                             \
  if (var.empty()) {                                                                          \
    GTEST_SKIP() << "WHARF_TEST_MODEL is unset or missing; run packaging/fetch-model.sh "     \
                    "models and set WHARF_TEST_MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf"; \
  }

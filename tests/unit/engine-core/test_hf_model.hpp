// Locates the Hugging Face copy of the test model (env WHARF_TEST_HF_MODEL, a directory written by
// tests/fixtures/make_hf_model.sh).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace wharf::engine::test {

// The HF model directory, or "" when WHARF_TEST_HF_MODEL is unset or has no config.json.
inline std::string testHfModelDir() {
  const char* p = std::getenv("WHARF_TEST_HF_MODEL");
  if (!p || !*p || !std::filesystem::exists(std::string(p) + "/config.json")) return {};
  return p;
}

}  // namespace wharf::engine::test

#define WHARF_REQUIRE_HF_MODEL(var)                                                             \
  const std::string var = ::wharf::engine::test::testHfModelDir();                              \
  if (var.empty()) {                                                                            \
    GTEST_SKIP() << "WHARF_TEST_HF_MODEL is unset or has no config.json; run "                  \
                    "tests/fixtures/make_hf_model.sh (writes models/SmolLM2-135M-Instruct-hf)"; \
  }

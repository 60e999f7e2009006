// llama.cpp's own tokenizer test vectors (models/ggml-vocab-*.gguf with .inp/.out), run when
// WHARF_LLAMACPP_VOCAB_DIR names a directory holding them (for example llama.cpp's models/ from
// the llama-cpp-python sdist). Nothing of them is stored in this repository; without the
// variable the tests skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/tokenizer.hpp"

namespace wharf::engine {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LlamaCppVocab : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaCppVocab, MatchesLlamaCppTestVectors) {
  const char* dir = std::getenv("WHARF_LLAMACPP_VOCAB_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "WHARF_LLAMACPP_VOCAB_DIR is not set";
  std::string base = std::string(dir) + "/ggml-vocab-" + GetParam() + ".gguf";
  if (!std::filesystem::exists(base) || !std::filesystem::exists(base + ".inp")) {
    GTEST_SKIP() << base << " (or its .inp/.out) is missing";
  }
  GgufFile g = GgufFile::open(base);
  auto tok = Tokenizer::fromGguf(g);

  std::string inputs = readFile(base + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0;;) {
    size_t next = inputs.find(sep, pos);
    if (next == std::string::npos) break;
    texts.push_back(inputs.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::istringstream outputs(readFile(base + ".out"));
  std::string line;
  size_t matched = 0, i = 0;
  for (; i < texts.size() && std::getline(outputs, line); ++i) {
    std::vector<int32_t> want;
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) want.push_back(id);
    auto got = tok->encode(texts[i], false);
    EXPECT_EQ(got, want) << GetParam() << " text: [" << texts[i] << "]";
    matched += got == want;
    EXPECT_EQ(tok->decode(got, false), texts[i]) << GetParam() << " round trip";
  }
  std::cout << GetParam() << ": " << matched << "/" << i << " test vectors identical\n";
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, LlamaCppVocab,
                         ::testing::Values("gpt-2", "llama-bpe", "qwen2", "starcoder", "refact",
                                           "llama-spm", "phi-3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = (c == '-') ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace wharf::engine

// llama.cpp's own tokenizer test vectors (models/ggml-vocab-*.gguf with .inp/.out), run when
// WHARF_LLAMACPP_VOCAB_DIR (default models/llama.cpp-vocab) holds them:
// tests/fixtures/fetch-llamacpp-vocab.sh fetches llama.cpp's models/ from the llama-cpp-python
// sdist, and tests/run.sh runs it. Nothing of them is stored in this repository; without them
// the tests skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/model/gguf.hpp"
#include "engine/text/tokenizer.hpp"

namespace wharf::engine {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The vectors of ggml-vocab-<name>.gguf, or a skip reason.
struct Vectors {
  std::string dir, base, skip;
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> ids;
};

Vectors readVectors(const std::string& name) {
  Vectors v;
  const char* dir = std::getenv("WHARF_LLAMACPP_VOCAB_DIR");
  v.dir = dir && *dir ? dir : WHARF_LLAMACPP_VOCAB_DEFAULT;
  v.base = v.dir + "/ggml-vocab-" + name + ".gguf";
  if (!std::filesystem::exists(v.base) || !std::filesystem::exists(v.base + ".inp")) {
    v.skip = v.base + " (or its .inp/.out) is missing: tests/fixtures/fetch-llamacpp-vocab.sh";
    return v;
  }
  std::string inputs = readFile(v.base + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  for (size_t pos = 0;;) {
    size_t next = inputs.find(sep, pos);
    if (next == std::string::npos) break;
    v.texts.push_back(inputs.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::istringstream outputs(readFile(v.base + ".out"));
  std::string line;
  while (v.ids.size() < v.texts.size() && std::getline(outputs, line)) {
    std::istringstream ids(line);
    v.ids.emplace_back();
    for (int32_t id; ids >> id;) v.ids.back().push_back(id);
  }
  v.texts.resize(v.ids.size());
  return v;
}

size_t expectVectors(const Tokenizer& tok, const Vectors& v, const std::string& what) {
  size_t matched = 0;
  for (size_t i = 0; i < v.texts.size(); ++i) {
    auto got = tok.encode(v.texts[i], false);
    EXPECT_EQ(got, v.ids[i]) << what << " text: [" << v.texts[i] << "]";
    matched += got == v.ids[i];
    EXPECT_EQ(tok.decode(got, false), v.texts[i]) << what << " round trip";
  }
  EXPECT_GT(v.texts.size(), 20u) << what;
  std::cout << what << ": " << matched << "/" << v.texts.size() << " test vectors identical\n";
  return matched;
}

class LlamaCppVocab : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaCppVocab, MatchesLlamaCppTestVectors) {
  Vectors v = readVectors(GetParam());
  if (!v.skip.empty()) GTEST_SKIP() << v.skip;
  GgufFile g = GgufFile::open(v.base);
  expectVectors(*Tokenizer::fromGguf(g), v, GetParam());
}

// The Llama vocabulary as a Hugging Face tokenizer.json (legacy SentencePiece form, written by
// tests/fixtures/make_llama_tokenizer_json.py, which checked it with HF tokenizers): merge ranks
// instead of scores must give the same ids.
TEST(LlamaCppVocabTokenizerJson, LlamaSpmMatchesLlamaCppTestVectors) {
  Vectors v = readVectors("llama-spm");
  if (!v.skip.empty()) GTEST_SKIP() << v.skip;
  const std::string hf = v.dir + "/llama-spm-hf";
  if (!std::filesystem::exists(hf + "/tokenizer.json")) GTEST_SKIP() << hf << " is missing";
  expectVectors(*Tokenizer::fromHfDirectory(hf), v, "llama-spm tokenizer.json");
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

// SentencePiece-style tokenizer.json files (the form of Llama 2 and Mistral checkpoints) against
// the ids Google's sentencepiece and Hugging Face tokenizers gave for them
// (tests/fixtures/generate_spm_tokenizer.py): the legacy Prepend + Replace normalizer and the
// Metaspace pre-tokenizer, plain text and text with special tokens inside.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/text/tokenizer.hpp"
#include "fixtures.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

class SpmTokenizerJson : public ::testing::TestWithParam<std::string> {};

TEST_P(SpmTokenizerJson, MatchesReferenceIdsAndDecoding) {
  const Json fx = test::loadFixture("spm_tokenizer.json");
  auto t = Tokenizer::fromHfDirectory(test::fixturePath(GetParam()));
  size_t checked = 0;
  for (const Json& e : fx["variants"][GetParam()]) {
    const std::string& text = e["text"].get<std::string>();
    const std::vector<int32_t> want = test::intList(e["ids"]);
    EXPECT_EQ(t->encode(text, false), want) << "text: " << text;
    EXPECT_EQ(t->decode(want, true), e["decoded"].get<std::string>()) << "text: " << text;
    ++checked;
  }
  EXPECT_GE(checked, 20u);
  std::cout << GetParam() << ": " << checked << " texts identical to "
            << fx["reference"].get<std::string>() << " / "
            << fx["second_opinion"].get<std::string>() << "\n";
}

TEST_P(SpmTokenizerJson, AddsBosAndKnowsSpecialIds) {
  auto t = Tokenizer::fromHfDirectory(test::fixturePath(GetParam()));
  EXPECT_EQ(t->bosId(), t->find("<s>"));
  EXPECT_EQ(t->eosId(), t->find("</s>"));
  EXPECT_TRUE(t->isEndOfGeneration(t->eosId()));
  auto ids = t->encode("Hello", true);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), t->bosId());
  // a byte fallback token decodes to its byte, U+2581 to a space
  EXPECT_EQ(t->tokenBytes(t->find("<0x0A>"), true), "\n");
  EXPECT_EQ(t->decode(t->encode("x\ny z", false), true), "x\ny z");
}

INSTANTIATE_TEST_SUITE_P(Forms, SpmTokenizerJson, ::testing::Values("spm-legacy", "spm-metaspace"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

// Copies the legacy fixture into a directory of its own with `from` replaced by `to`.
std::string editedCopy(const std::string& name, const std::string& from, const std::string& to) {
  const std::string dir = ::testing::TempDir() + "/spm_" + name;
  std::filesystem::create_directories(dir);
  std::ifstream in(test::fixturePath("spm-legacy/tokenizer.json"), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  std::ofstream(dir + "/tokenizer.json", std::ios::binary) << text;
  return dir;
}

void expectUnsupported(const std::string& dir, const std::string& words) {
  try {
    Tokenizer::fromHfDirectory(dir);
    ADD_FAILURE() << "accepted " << dir;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNSUPPORTED) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
}

TEST(SpmTokenizerJsonErrors, AnotherNormalizerIsRefusedByName) {
  expectUnsupported(
      editedCopy("nfkc", R"("type": "Prepend")", R"("type": "NFKC"}, {"type": "Prepend")"),
      "normalizer 'NFKC'");
}

TEST(SpmTokenizerJsonErrors, WordSuffixesAreRefused) {
  expectUnsupported(
      editedCopy("suffix", R"("end_of_word_suffix": null)", R"("end_of_word_suffix": "</w>")"),
      "end_of_word_suffix");
}

}  // namespace
}  // namespace wharf::engine

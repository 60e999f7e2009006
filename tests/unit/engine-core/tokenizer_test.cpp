#include "engine/text/tokenizer.hpp"

#include <gtest/gtest.h>

#include "engine/model/gguf.hpp"
#include "engine/text/pretokenizer.hpp"
#include "engine/text/utf8_stream.hpp"
#include "fixtures.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

std::vector<std::string> words(std::string_view text, PreTokenizer kind) {
  std::vector<std::string> out;
  for (auto w : splitWords(text, kind)) out.emplace_back(w);
  return out;
}

using V = std::vector<std::string>;

TEST(PreTokenizer, Gpt2Rules) {
  EXPECT_EQ(words("Hello world", PreTokenizer::Gpt2), (V{"Hello", " world"}));
  EXPECT_EQ(words("I'm  here!!", PreTokenizer::Gpt2), (V{"I", "'m", " ", " here", "!!"}));
  EXPECT_EQ(words("a   b", PreTokenizer::Gpt2), (V{"a", "  ", " b"}));
  EXPECT_EQ(words("x\n\ny ", PreTokenizer::Gpt2), (V{"x", "\n", "\n", "y", " "}));
  EXPECT_EQ(words("abc 123 45", PreTokenizer::DigitsThenGpt2),
            (V{"abc", " ", "1", "2", "3", " ", "4", "5"}));
  EXPECT_EQ(words("héllo wörld", PreTokenizer::Gpt2), (V{"héllo", " wörld"}));
}

TEST(PreTokenizer, Llama3Rules) {
  EXPECT_EQ(words("I'M 12345 ok\n\n  hi", PreTokenizer::Llama3),
            (V{"I", "'M", " ", "123", "45", " ok", "\n\n", " ", " hi"}));
  EXPECT_EQ(words("a...\n\nb", PreTokenizer::Llama3), (V{"a", "...\n\n", "b"}));
  EXPECT_EQ(words("12", PreTokenizer::Qwen2), (V{"1", "2"}));
}

TEST(PreTokenizer, CoversInvalidUtf8) {
  std::string bad = "ok\xff\xfe end";
  std::string joined;
  for (auto w : splitWords(bad, PreTokenizer::Gpt2)) joined += w;
  EXPECT_EQ(joined, bad);
}

TEST(Utf8Stream, HoldsBackPartialCodePoints) {
  Utf8Stream s;
  std::string euro = "\xE2\x82\xAC";
  EXPECT_EQ(s.push("a\xE2"), "a");
  EXPECT_TRUE(s.holding());
  EXPECT_EQ(s.push("\x82"), "");
  EXPECT_EQ(s.push("\xAC!"), euro + "!");
  EXPECT_EQ(s.push("\xF0\x9F"), "");
  EXPECT_EQ(s.finish(), "\xEF\xBF\xBD");
  EXPECT_EQ(s.push("\xFFx"), "\xEF\xBF\xBDx");
}

class SmolTokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    WHARF_REQUIRE_TEST_MODEL(path);
    gguf_ = std::make_unique<GgufFile>(GgufFile::open(path));
    tok_ = Tokenizer::fromGguf(*gguf_);
  }
  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<Tokenizer> tok_;
};

TEST_F(SmolTokenizer, MatchesLlamaCppOnEveryCorpusEntry) {
  Json fx = test::loadFixture("tokenizer.json");
  size_t matched = 0, total = 0;
  for (const Json& e : fx["entries"]) {
    const std::string& text = e["text"].get<std::string>();
    auto expected = test::intList(e["ids"]);
    auto got = tok_->encode(text, true);
    ++total;
    if (got == expected) ++matched;
    EXPECT_EQ(got, expected) << "text: " << text;
    EXPECT_EQ(test::intList(e["hf_ids"]), expected) << "references disagree on: " << text;
    // Decoding gives the text back (special tokens included).
    EXPECT_EQ(tok_->decode(got, false), text);
  }
  std::cout << "tokenizer: " << matched << "/" << total
            << " corpus entries identical to llama.cpp\n";
}

TEST_F(SmolTokenizer, SpecialIdsAndSkipping) {
  EXPECT_EQ(tok_->bosId(), 1);
  EXPECT_EQ(tok_->eosId(), 2);
  EXPECT_FALSE(tok_->addBos());
  EXPECT_TRUE(tok_->isEndOfGeneration(2));
  EXPECT_TRUE(tok_->isSpecial(1));
  auto ids = tok_->encode("<|im_start|>user\nhi<|im_end|>", false);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(tok_->decode(ids, true), "user\nhi");
}

TEST_F(SmolTokenizer, StreamingDecodeEqualsWholeDecode) {
  std::string text = "Emoji 😀 🎉👍🏽 中文 café";
  auto ids = tok_->encode(text, false);
  Utf8Stream s;
  std::string streamed;
  for (int32_t id : ids) {
    std::string piece = s.push(tok_->tokenBytes(id, false));
    // Every piece is valid UTF-8 on its own.
    EXPECT_EQ(tok_->decode(tok_->encode(piece, false), false), piece);
    streamed += piece;
  }
  streamed += s.finish();
  EXPECT_EQ(streamed, text);
}

}  // namespace
}  // namespace wharf::engine

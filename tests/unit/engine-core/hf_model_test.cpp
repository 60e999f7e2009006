// The Hugging Face directory written by tests/fixtures/make_hf_model.sh against the GGUF it was
// made from: same config, same token ids on the tokenizer corpus.
#include <gtest/gtest.h>

#include "engine/model/gguf.hpp"
#include "engine/model/hf_config.hpp"
#include "engine/model/model_config.hpp"
#include "engine/text/tokenizer.hpp"
#include "fixtures.hpp"
#include "test_hf_model.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

TEST(HfModel, ConfigMatchesGguf) {
  WHARF_REQUIRE_HF_MODEL(dir);
  WHARF_REQUIRE_TEST_MODEL(path);
  ModelConfig hf = readHfConfig(dir);
  ModelConfig gg = readModelConfig(GgufFile::open(path));
  EXPECT_EQ(hf.architecture, gg.architecture);
  EXPECT_EQ(hf.context_length, gg.context_length);
  EXPECT_EQ(hf.embedding_length, gg.embedding_length);
  EXPECT_EQ(hf.block_count, gg.block_count);
  EXPECT_EQ(hf.feed_forward_length, gg.feed_forward_length);
  EXPECT_EQ(hf.head_count, gg.head_count);
  EXPECT_EQ(hf.head_count_kv, gg.head_count_kv);
  EXPECT_EQ(hf.head_dim, gg.head_dim);
  EXPECT_EQ(hf.rope_dim, gg.rope_dim);
  EXPECT_EQ(hf.vocab_size, gg.vocab_size);
  EXPECT_FLOAT_EQ(static_cast<float>(hf.rms_eps), static_cast<float>(gg.rms_eps));
  EXPECT_DOUBLE_EQ(hf.rope_freq_base, gg.rope_freq_base);
  EXPECT_EQ(hf.rope_scaling, gg.rope_scaling);
  EXPECT_EQ(hf.tied_embeddings, gg.tied_embeddings);
  EXPECT_EQ(hf.attention_bias, gg.attention_bias);
  EXPECT_EQ(hf.rope_style, RopeStyle::Neox);  // HF weights are rotate-half
}

TEST(HfModel, TokenizerMatchesGgufOnCorpus) {
  WHARF_REQUIRE_HF_MODEL(dir);
  WHARF_REQUIRE_TEST_MODEL(path);
  auto hf = Tokenizer::fromHfDirectory(dir);
  GgufFile g = GgufFile::open(path);
  auto gg = Tokenizer::fromGguf(g);
  EXPECT_EQ(hf->vocabSize(), gg->vocabSize());
  EXPECT_EQ(hf->bosId(), gg->bosId());
  EXPECT_EQ(hf->eosId(), gg->eosId());
  EXPECT_EQ(hf->addBos(), gg->addBos());
  EXPECT_EQ(hf->endOfGenerationIds(), gg->endOfGenerationIds());
  Json fx = test::loadFixture("tokenizer.json");
  size_t n = 0;
  for (const Json& e : fx["entries"]) {
    const std::string& text = e["text"].get<std::string>();
    auto ids = hf->encode(text, true);
    EXPECT_EQ(ids, gg->encode(text, true)) << "text: " << text;
    EXPECT_EQ(ids, test::intList(e["hf_ids"])) << "text: " << text;
    EXPECT_EQ(hf->decode(ids, false), text);
    ++n;
  }
  EXPECT_GT(n, 10u);
}

}  // namespace
}  // namespace wharf::engine

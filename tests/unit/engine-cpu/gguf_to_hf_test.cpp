// writeHfDirectory (a GGUF file as a Hugging Face directory, what `wharfd quantize` reads): the CPU
// runner gives the same logits on the written directory as on the GGUF, for interleaved-RoPE
// llama (q/k rows permuted back to rotate-half), Neox-RoPE qwen2 (with q/k/v biases), tied and
// untied heads; SmolLM2's directory equals tests/fixtures/make_hf_model.py's (an independent numpy
// conversion) tensor for tensor, bit for bit, and its tokenizer encodes as the GGUF's; what a
// config.json cannot say is refused by name.
#include "engine/model/gguf_to_hf.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/model/hf_config.hpp"
#include "engine/model/safetensors.hpp"
#include "engine/text/tokenizer.hpp"
#include "fixtures.hpp"
#include "runner_sequence.hpp"
#include "synthetic_model.hpp"
#include "test_hf_model.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

namespace fs = std::filesystem;

// A fresh, empty directory under the test's temporary directory, removed with the object.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) : path_(::testing::TempDir() + "/" + name) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

GgufFile parsed(const Synthetic& m) { return GgufFile::parse(MappedFile::fromBytes(m.file)); }

struct Case {
  std::string name, arch;
  bool tied;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class GgufToHfSynthetic : public ::testing::TestWithParam<Case> {};

TEST_P(GgufToHfSynthetic, TheDirectoryGivesTheGgufsLogits) {
  const Case c = GetParam();
  // F16 weights convert exactly; the F32 norms and biases are rounded to F16.
  const Synthetic m = makeModel(c.arch, GgmlType::F16, c.tied, 29);
  auto gguf = std::make_shared<GgufFile>(parsed(m));
  ScratchDir dir("gguf_to_hf_" + c.name);
  writeHfDirectory(*gguf, dir.path());

  const ModelConfig want = readModelConfig(*gguf);
  const ModelConfig got = readHfConfig(dir.path());
  EXPECT_EQ(got.architecture, want.architecture);
  EXPECT_EQ(got.head_count, want.head_count);
  EXPECT_EQ(got.head_count_kv, want.head_count_kv);
  EXPECT_EQ(got.head_dim, want.head_dim);
  EXPECT_EQ(got.tied_embeddings, want.tied_embeddings);
  EXPECT_EQ(got.attention_bias, want.attention_bias);

  auto from_gguf = CpuLlamaRunner::create(gguf, 1, 1);
  auto from_hf = CpuLlamaRunner::create(HfCheckpoint::open(dir.path()), 1, 1);
  Sequence a(*from_gguf), b(*from_hf);
  const std::vector<int32_t> prompt = {3, 17, 42, 8, 61, 5, 29, 70, 11, 2, 33, 50};
  const auto la = a.run(prompt, 0), lb = b.run(prompt, 0);
  const LogitsGap gap = logitsGap(la, lb);
  // Measured: 1.8e-3 to 3.4e-3 of the largest logit, from the f16 norms and biases. A q/k row
  // order that does not match the RoPE style moves the logits by their own size (measured: 1.08).
  EXPECT_LT(gap.relative(), 1e-2) << "max |diff| " << gap.max_diff << " of " << gap.scale;
}

INSTANTIATE_TEST_SUITE_P(Archs, GgufToHfSynthetic,
                         ::testing::Values(Case{"llama_untied", "llama", false},
                                           Case{"llama_tied", "llama", true},
                                           Case{"qwen2_biases", "qwen2", false}),
                         [](const auto& info) { return info.param.name; });

TEST(GgufToHf, SmolLm2MatchesTheNumpyConversionBitForBit) {
  WHARF_REQUIRE_TEST_MODEL(path);
  WHARF_REQUIRE_HF_MODEL(reference);
  const GgufFile gguf = GgufFile::open(path);
  ScratchDir dir("gguf_to_hf_smollm2");
  writeHfDirectory(gguf, dir.path());
  const SafetensorsFile got = SafetensorsFile::open(dir.path() + "/model.safetensors");
  const SafetensorsFile want = SafetensorsFile::open(reference + "/model.safetensors");
  ASSERT_EQ(got.tensors().size(), want.tensors().size());
  for (const auto& [name, w] : want.tensors()) {
    const SafetensorsTensor* g = got.find(w.name);
    ASSERT_NE(g, nullptr) << w.name;
    EXPECT_EQ(g->dtype, w.dtype) << w.name;
    EXPECT_EQ(g->shape, w.shape) << w.name;
    ASSERT_EQ(g->bytes, w.bytes) << w.name;
    EXPECT_EQ(std::memcmp(g->data, w.data, w.bytes), 0) << w.name;
  }

  const ModelConfig a = readHfConfig(dir.path()), b = readHfConfig(reference);
  EXPECT_EQ(a.embedding_length, b.embedding_length);
  EXPECT_EQ(a.context_length, b.context_length);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_DOUBLE_EQ(a.rms_eps, b.rms_eps);
  EXPECT_DOUBLE_EQ(a.rope_freq_base, b.rope_freq_base);
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);

  const auto hf = Tokenizer::fromHfDirectory(dir.path());
  const auto gg = Tokenizer::fromGguf(gguf);
  EXPECT_EQ(hf->vocabSize(), gg->vocabSize());
  EXPECT_EQ(hf->bosId(), gg->bosId());
  EXPECT_EQ(hf->eosId(), gg->eosId());
  EXPECT_EQ(hf->addBos(), gg->addBos());
  EXPECT_EQ(hf->endOfGenerationIds(), gg->endOfGenerationIds());
  size_t n = 0;
  const Json corpus = test::loadFixture("tokenizer.json");
  for (const Json& e : corpus["entries"]) {
    const std::string& text = e["text"].get<std::string>();
    EXPECT_EQ(hf->encode(text, true), test::intList(e["hf_ids"])) << "text: " << text;
    ++n;
  }
  EXPECT_GT(n, 10u);
}

// Each refusal names what cannot be written, before any weight is.
void expectRefused(const SyntheticExtras& extras, const std::string& words) {
  const Synthetic m = makeModel("llama", GgmlType::F16, false, 3, 0, {}, extras);
  const GgufFile gguf = parsed(m);
  ScratchDir dir("gguf_to_hf_refused");
  try {
    writeHfDirectory(gguf, dir.path());
    ADD_FAILURE() << "no error, expected: " << words;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNSUPPORTED) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.path() + "/model.safetensors"));
}

TEST(GgufToHf, RefusesWhatAConfigJsonCannotSay) {
  SyntheticExtras spm;
  spm.tokenizer = "llama";
  expectRefused(spm, "tokenizer model 'llama' cannot be written as tokenizer.json");

  SyntheticExtras freqs;
  freqs.extra = [](test::GgufBuilder& b) {
    std::vector<uint8_t> ones(8 * 4);
    const float one = 1.0f;
    for (size_t i = 0; i < 8; ++i) std::memcpy(ones.data() + 4 * i, &one, 4);
    b.tensor("rope_freqs.weight", {8}, 0, ones);
  };
  expectRefused(freqs, "rope_freqs.weight");

  SyntheticExtras partial;
  partial.extra = [](test::GgufBuilder& b) { b.kv<uint32_t>("llama.rope.dimension_count", 4, 8); };
  expectRefused(partial, "partial rotary");

  SyntheticExtras stranger;
  stranger.extra = [](test::GgufBuilder& b) {
    b.tensor("blk.0.attn_q_norm.weight", {16}, 0, std::vector<uint8_t>(16 * 4));
  };
  expectRefused(stranger, "tensor 'blk.0.attn_q_norm.weight' has no Hugging Face name");
}

}  // namespace
}  // namespace wharf::engine

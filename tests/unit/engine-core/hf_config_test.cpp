// config.json parsing on configs written by the test: defaults, qwen2 biases, linear and llama3
// RoPE scaling (with the frequencies they give), and errors that name the file and the key.
#include "engine/model/hf_config.hpp"

#include <gtest/gtest.h>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

constexpr const char* kBase =
    R"({"model_type":"%s","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,)"
    R"("num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-6,"rope_theta":5e5,)"
    R"("max_position_embeddings":256,"vocab_size":100%s})";

// kBase with model_type `type`, `extra` appended and the key/value `from` replaced by `to`.
ModelConfig parse(const std::string& type, const std::string& extra = "",
                  const std::string& from = "", const std::string& to = "") {
  std::string text = kBase;
  text.replace(text.find("%s"), 2, type);
  text.replace(text.find("%s"), 2, extra);
  if (!from.empty()) text.replace(text.find(from), from.size(), to);
  return parseHfConfig(parseJson<JsonDocument>(text), "cfg/config.json");
}

std::string errorOf(const std::string& type, const std::string& extra, wharf_status code,
                    const std::string& from = "", const std::string& to = "") {
  try {
    parse(type, extra, from, to);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find("cfg/config.json"), std::string::npos) << e.what();
    return e.what();
  }
  return "";
}

TEST(HfModelConfig, Llama) {
  ModelConfig c = parse("llama", R"(,"tie_word_embeddings":true)");
  EXPECT_EQ(c.embedding_length, 64);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.kvDim(), 32);
  EXPECT_EQ(c.context_length, 256);
  EXPECT_DOUBLE_EQ(c.rope_freq_base, 5e5);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_EQ(c.rope_style, RopeStyle::Neox);
  EXPECT_EQ(c.rope_scaling, RopeScaling::None);
}

TEST(HfModelConfig, Qwen2BiasesAndLinearScaling) {
  ModelConfig c = parse("qwen2", R"(,"rope_scaling":{"type":"linear","factor":4.0})");
  EXPECT_TRUE(c.attention_bias);
  EXPECT_FALSE(c.tied_embeddings);
  EXPECT_EQ(c.rope_scaling, RopeScaling::Linear);
  EXPECT_DOUBLE_EQ(c.rope_scaling_factor, 4.0);
}

// Llama 3.1 / 3.2 config.json: "rope_type": "llama3" with its band parameters.
constexpr const char* kLlama3Scaling =
    R"(,"rope_scaling":{"rope_type":"llama3","factor":32.0,"low_freq_factor":1.0,)"
    R"("high_freq_factor":4.0,"original_max_position_embeddings":8192})";

TEST(HfModelConfig, Llama3Scaling) {
  ModelConfig c = parse("llama", kLlama3Scaling);
  EXPECT_EQ(c.rope_scaling, RopeScaling::Llama3);
  EXPECT_DOUBLE_EQ(c.rope_scaling_factor, 32.0);
  EXPECT_DOUBLE_EQ(c.rope_low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_original_context, 8192);
  EXPECT_NE(errorOf("llama", kLlama3Scaling, WHARF_ERR_DATA, R"("high_freq_factor":4.0)",
                    R"("high_freq_factor":0.5)")
                .find("high_freq_factor"),
            std::string::npos);
  EXPECT_NE(errorOf("llama", kLlama3Scaling, WHARF_ERR_DATA,
                    R"(,"original_max_position_embeddings":8192)", "")
                .find("original_max_position_embeddings"),
            std::string::npos);
}

// Values from Meta's reference apply_scaling (llama3 models.py) run in Python on this config
// (head size 64, rope_theta 5e5): the high-frequency pairs keep their frequency, the
// low-frequency ones are divided by 32 and pairs 15-17 are blended.
TEST(RopeFrequencies, Llama3MatchesMetaReference) {
  ModelConfig c = parse("llama", kLlama3Scaling);
  ASSERT_EQ(c.rope_dim, 16);  // 64 / 4 heads
  c.rope_dim = c.head_dim = 64;
  const std::vector<double> f = ropeInverseFrequencies(c, {});
  ASSERT_EQ(f.size(), 32u);
  const std::pair<size_t, double> want[] = {
      {0, 1.0},
      {14, 0.0032114459947525913},
      {15, 0.001290547928209264},
      {16, 0.00042955679655936815},
      {17, 9.70828780262767e-05},
      {18, 1.9461638184831125e-05},
      {31, 9.418306725434909e-08},
  };
  for (const auto& [i, v] : want) EXPECT_NEAR(f[i] / v, 1.0, 1e-12) << "pair " << i;
}

TEST(RopeFrequencies, LinearDividesAndFactorsApply) {
  ModelConfig c = parse("qwen2", R"(,"rope_scaling":{"type":"linear","factor":4.0})");
  const std::vector<double> plain = ropeInverseFrequencies(parse("qwen2"), {});
  const std::vector<double> f = ropeInverseFrequencies(c, std::vector<float>(8, 2.0f));
  ASSERT_EQ(f.size(), plain.size());
  for (size_t i = 0; i < f.size(); ++i) EXPECT_DOUBLE_EQ(f[i], plain[i] / 8.0) << i;
}

TEST(HfModelConfig, SlidingWindow) {
  EXPECT_EQ(parse("mistral", R"(,"sliding_window":4096)").sliding_window, 4096);
  EXPECT_EQ(parse("mistral", R"(,"sliding_window":null)").sliding_window, 0);
  EXPECT_EQ(parse("qwen2", R"(,"sliding_window":4096,"use_sliding_window":false)").sliding_window,
            0);
  EXPECT_NE(
      errorOf("qwen2", R"(,"sliding_window":64,"use_sliding_window":true)", WHARF_ERR_UNSUPPORTED)
          .find("use_sliding_window"),
      std::string::npos);
  EXPECT_NE(errorOf("mistral", R"(,"sliding_window":-3)", WHARF_ERR_DATA).find("sliding_window"),
            std::string::npos);
}

TEST(HfModelConfig, Errors) {
  EXPECT_NE(errorOf("gpt_neox", "", WHARF_ERR_UNSUPPORTED).find("gpt_neox"), std::string::npos);
  EXPECT_NE(errorOf("llama", R"(,"rope_scaling":{"rope_type":"yarn","factor":4.0})",
                    WHARF_ERR_UNSUPPORTED)
                .find("yarn"),
            std::string::npos);
  EXPECT_NE(errorOf("llama", "", WHARF_ERR_DATA, R"("num_key_value_heads":2)",
                    R"("num_key_value_heads":3)")
                .find("multiple"),
            std::string::npos);
  EXPECT_NE(errorOf("llama", "", WHARF_ERR_DATA, R"("hidden_size":64)", R"("hidden_size":-1)")
                .find("hidden_size"),
            std::string::npos);
  try {
    readHfConfig("/nonexistent-dir");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/config.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace wharf::engine

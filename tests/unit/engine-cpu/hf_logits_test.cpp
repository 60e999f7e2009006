// The CPU runner on the Hugging Face copy of SmolLM2 against last-position logits from a
// float64 numpy forward pass over the same float16 weights (tests/fixtures/make_hf_model.py,
// rotate-half RoPE as in transformers). Also: a directory without weights is a clear error.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/model/json_file.hpp"
#include "test_hf_model.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

// Max |logit - reference| allowed: f16 KV cache, f32 accumulation vs float64 reference.
constexpr double kTolerance = 0.05;

TEST(HfModel, LogitsMatchReferenceForward) {
  WHARF_REQUIRE_HF_MODEL(dir);
  auto hf = HfCheckpoint::open(dir);
  EXPECT_EQ(hf->config.rope_style, RopeStyle::Neox);
  CpuLlamaRunner runner(hf, 0);
  runner.allocateKvCache(8);
  const JsonDocument refs = readJsonFile(dir + "/hf_reference_logits.json");
  ASSERT_GT(refs.size(), 0u);
  for (const JsonDocument& r : refs) {
    std::vector<int32_t> blocks{0, 1, 2, 3};
    ForwardBatch b;
    b.block_tables.push_back(&blocks);
    const auto& ids = r["ids"];
    for (size_t i = 0; i < ids.size(); ++i) {
      b.add(static_cast<int32_t>(ids[i].get<int64_t>()), static_cast<int32_t>(i), 0,
            i + 1 == ids.size());
    }
    std::vector<float> logits;
    runner.forward(b, logits);
    const auto& want = r["logits"];
    ASSERT_EQ(logits.size(), want.size());
    double worst = 0;
    size_t argmax = 0, want_argmax = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::fabs(logits[i] - want[i].get<double>()));
      if (logits[i] > logits[argmax]) argmax = i;
      if (want[i].get<double>() > want[want_argmax].get<double>()) want_argmax = i;
    }
    EXPECT_LT(worst, kTolerance) << r["prompt"].get<std::string>();
    EXPECT_EQ(argmax, want_argmax) << r["prompt"].get<std::string>();
    std::cout << "hf logits '" << r["prompt"].get<std::string>() << "': max |diff| " << worst
              << "\n";
  }
}

TEST(HfModel, MissingWeightsNamed) {
  const std::string dir = ::testing::TempDir() + "/hf_no_weights";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << R"({"model_type":"llama","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,)"
         R"("num_attention_heads":2,"max_position_embeddings":32,"vocab_size":4})";
  try {
    HfCheckpoint::open(dir);
    FAIL() << "opened a directory without weights";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wharf::engine

// The CUDA runner against engine-cpu's runner on the same weights: synthetic llama and qwen2
// models (f16 and f32 weights, GQA, scattered KV blocks, a prefill chunk then decodes) within
// f16-activation rounding, and SmolLM2-135M (the Hugging Face f16 copy, WHARF_TEST_HF_MODEL) with
// the same greedy tokens up to the first near-tie.
//
// Tolerances: engine-cuda feeds cuBLAS f16 activations and keeps attention in f32, engine-cpu
// keeps f32 activations and rounds queries and attention weights to f16: each rounds once per
// layer input at 2^-11 relative. Synthetic models: max |diff| <= 1% of max |logit|. SmolLM2:
// <= 5% of each prompt's logit range (the bound runner_reference_test.cpp holds llama.cpp to),
// greedy tokens identical until the reference's top-2 margin falls below 0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/cuda/cuda_llama_runner.hpp"
#include "fixtures.hpp"
#include "runner_sequence.hpp"
#include "synthetic_model.hpp"
#include "test_hf_model.hpp"

namespace wharf::engine::cuda {
namespace {

// Logits of every position: a prefill of `prefill` tokens, then one decode step per token.
std::vector<std::vector<float>> logitsOf(ModelRunner& runner, const std::vector<int32_t>& tokens,
                                         size_t prefill) {
  Sequence seq(runner);
  auto out = seq.run({tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(prefill)}, 0);
  for (size_t i = prefill; i < tokens.size(); ++i)
    out.push_back(seq.run({tokens[i]}, static_cast<int32_t>(i)).back());
  return out;
}

struct Case {
  std::string arch;
  GgmlType type;
  bool tied;
};

class CudaRunnerSynthetic : public ::testing::TestWithParam<Case> {};

TEST_P(CudaRunnerSynthetic, MatchesTheCpuRunner) {
  const Case c = GetParam();
  const SyntheticShape shape{128, 4, 2, 32, 256, 2, 96};
  Synthetic m = makeModel(c.arch, c.type, c.tied, 21, 0, shape);
  auto gguf = std::make_shared<GgufFile>(GgufFile::parse(MappedFile::fromBytes(m.file)));
  const ModelConfig config = readModelConfig(*gguf);
  CpuLlamaRunner cpu(gguf, 1);
  CudaLlamaRunner gpu(config, LlamaWeights::load(*gguf, config), 0, 64);
  std::vector<int32_t> tokens;
  for (int i = 0; i < 41; ++i) tokens.push_back((i * 31 + 7) % shape.vocab);
  const auto want = logitsOf(cpu, tokens, 23), got = logitsOf(gpu, tokens, 23);
  const LogitsGap gap = logitsGap(want, got);
  std::printf("%s: max |diff| %.4g of max |logit| %.4g\n", c.arch.c_str(), gap.max_diff, gap.scale);
  EXPECT_LE(gap.relative(), 0.01);
}

INSTANTIATE_TEST_SUITE_P(Models, CudaRunnerSynthetic,
                         ::testing::Values(Case{"llama", GgmlType::F16, false},
                                           Case{"llama", GgmlType::F32, true},
                                           Case{"qwen2", GgmlType::F16, false}),
                         [](const auto& info) {
                           return info.param.arch + "_" +
                                  typeName(static_cast<uint32_t>(info.param.type)) +
                                  (info.param.tied ? "_tied" : "");
                         });

TEST(CudaRunnerSmolLM2, GreedyTokensMatchEngineCpu) {
  WHARF_REQUIRE_HF_MODEL(dir);
  auto hf = HfCheckpoint::open(dir);
  CpuLlamaRunner cpu(hf, 0);
  CudaLlamaRunner gpu(hf->config, hf->weights, 0, 256);
  const Json fx = test::loadFixture("generation.json");
  int identical = 0, prompts = 0;
  for (const Json& p : fx["prompts"]) {
    ++prompts;
    const std::vector<int32_t> prompt = test::intList(p["prompt_ids"]);
    std::vector<float> margins;
    const auto want = Sequence(cpu).greedy(prompt, 32, &margins);
    const auto got = Sequence(gpu).greedy(prompt, 32);
    const size_t diverge = static_cast<size_t>(
        std::mismatch(want.begin(), want.end(), got.begin()).first - want.begin());
    if (diverge == want.size()) {
      ++identical;
      continue;
    }
    std::printf("  \"%s\" diverges at %zu (reference margin %.3f)\n",
                p["prompt"].get<std::string>().c_str(), diverge, margins[diverge]);
    const bool near_tie =
        std::any_of(margins.begin(), margins.begin() + static_cast<std::ptrdiff_t>(diverge) + 1,
                    [](float m) { return m < 0.1f; });
    EXPECT_TRUE(near_tie) << "diverged before any near-tie: " << p["prompt"].get<std::string>();
  }
  std::printf("%d of %d greedy continuations identical to engine-cpu's\n", identical, prompts);
}

}  // namespace
}  // namespace wharf::engine::cuda

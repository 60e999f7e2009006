// Tensor parallelism on the CPU (CpuLlamaRunner::create with ranks > 1: threads as ranks, the CPU
// communicator): sharded runners give the logits of the unsharded one up to the order of the
// partial sums, and the same greedy tokens, on synthetic GQA models whose KV heads split across
// the ranks or are replicated on them, in float and quantized weight types, and on SmolLM2-135M
// (9 heads, 3 KV heads: 3 ranks). Shapes that do not split are refused by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/parallel/tensor_parallel_runner.hpp"
#include "fixtures.hpp"
#include "runner_sequence.hpp"
#include "synthetic_model.hpp"
#include "test_hf_model.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

struct Case {
  std::string name;
  std::string arch;
  GgmlType type;
  bool tied;
  SyntheticShape shape;
  int ranks;
  // max |diff| / max |logit| between ranks = 1 and ranks = N. Only the order of the partial sums
  // differs, but queries and attention weights are rounded to f16 where they meet the f16 cache,
  // which turns a last-bit difference into a half-precision step: measured up to 1.9e-4 for float
  // weights. Quantized weights also quantize the activations to 8 bits per block of 32, where such
  // a difference can round one value the other way (measured up to 3.6e-4).
  double tolerance;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class TensorParallelSynthetic : public ::testing::TestWithParam<Case> {};

TEST_P(TensorParallelSynthetic, ShardedRunnerMatchesTheWholeModel) {
  const Case c = GetParam();
  Synthetic m = makeModel(c.arch, c.type, c.tied, 17, 0, c.shape);
  auto gguf = std::make_shared<GgufFile>(GgufFile::parse(MappedFile::fromBytes(m.file)));
  auto whole = CpuLlamaRunner::create(gguf, 1, 1);
  auto sharded = CpuLlamaRunner::create(gguf, c.ranks, c.ranks);
  ASSERT_EQ(sharded->tensorParallelSize(), c.ranks);
  ASSERT_EQ(sharded->config().head_count, c.shape.heads);  // the engine sees the whole model
  // Each rank holds its KV heads only (or one replicated head).
  const int64_t kv_per_rank = std::max(1, c.shape.kv_heads / c.ranks);
  EXPECT_EQ(sharded->kvBytesPerBlock(), whole->kvBytesPerBlock() /
                                            static_cast<size_t>(c.shape.kv_heads) *
                                            static_cast<size_t>(kv_per_rank * c.ranks));

  std::vector<int32_t> prompt;
  for (int i = 0; i < 29; ++i) prompt.push_back((i * 37 + 11) % c.shape.vocab);
  Sequence a(*whole), b(*sharded);
  const auto want = a.run(prompt, 0), got = b.run(prompt, 0);
  double worst = 0, scale = 0;
  for (size_t p = 0; p < want.size(); ++p) {
    for (size_t v = 0; v < want[p].size(); ++v) {
      worst = std::max(worst, static_cast<double>(std::fabs(got[p][v] - want[p][v])));
      scale = std::max(scale, static_cast<double>(std::fabs(want[p][v])));
    }
  }
  std::cout << c.name << ": max |diff| " << worst << " of max |logit| " << scale << "\n";
  EXPECT_LE(worst, c.tolerance * scale);

  // Greedy continuations of fresh sequences (new runners: fresh caches) are identical.
  auto whole2 = CpuLlamaRunner::create(gguf, 1, 1);
  auto sharded2 = CpuLlamaRunner::create(gguf, c.ranks, c.ranks);
  Sequence ga(*whole2), gb(*sharded2);
  const std::vector<int32_t> start = {3, 1, 4, 1, 5};
  EXPECT_EQ(gb.greedy(start, 40), ga.greedy(start, 40));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, TensorParallelSynthetic,
    ::testing::Values(
        // 8 heads, 4 KV heads: 2 ranks hold 2 KV heads each, 4 ranks one each.
        Case{"llama_F32_8h4kv_tp2",
             "llama",
             GgmlType::F32,
             false,
             {128, 8, 4, 16, 128, 2, 96},
             2,
             5e-4},
        Case{"llama_F16_tied_8h4kv_tp4",
             "llama",
             GgmlType::F16,
             true,
             {128, 8, 4, 16, 128, 2, 96},
             4,
             5e-4},
        // 8 heads, 2 KV heads over 4 ranks: each KV head replicated on 2 ranks.
        Case{"llama_F32_8h2kv_tp4",
             "llama",
             GgmlType::F32,
             false,
             {128, 8, 2, 16, 128, 2, 97},
             4,
             5e-4},
        Case{"qwen2_BF16_8h2kv_tp2",
             "qwen2",
             GgmlType::BF16,
             false,
             {128, 8, 2, 16, 128, 2, 96},
             2,
             5e-4},
        Case{"llama_Q4_1_8h4kv_tp2",
             "llama",
             GgmlType::Q4_1,
             false,
             {128, 8, 4, 16, 128, 2, 96},
             2,
             5e-3},
        Case{"llama_Q8_0_tied_8h2kv_tp4",
             "llama",
             GgmlType::Q8_0,
             true,
             {128, 8, 2, 16, 128, 2, 96},
             4,
             5e-3}),
    [](const auto& info) { return info.param.name; });

TEST(TensorParallelRefusals, ShapesThatDoNotSplitAreNamed) {
  auto refused = [](SyntheticShape shape, GgmlType type, int ranks) -> std::string {
    Synthetic m = makeModel("llama", type, false, 3, 0, shape);
    auto gguf = std::make_shared<GgufFile>(GgufFile::parse(MappedFile::fromBytes(m.file)));
    try {
      CpuLlamaRunner::create(gguf, 1, ranks);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), WHARF_ERR_INVALID_ARGUMENT);
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refused({96, 6, 2, 16, 128, 1, 80}, GgmlType::F32, 4),
            "tensor_parallel_size 4 does not split the model's 6 attention heads");
  EXPECT_EQ(refused({96, 6, 2, 16, 96, 1, 80}, GgmlType::F32, 3),
            "tensor_parallel_size 3 does not split the model's 2 KV heads (fewer than the ranks, "
            "and not a divisor of them)");
  EXPECT_EQ(refused({128, 8, 4, 16, 100, 1, 80}, GgmlType::F32, 8),
            "tensor_parallel_size 8 does not split the model's MLP width 100");
  // 96 / 2 = 48 inputs of ffn_down per rank: not whole Q4_1 blocks.
  EXPECT_EQ(refused({128, 8, 4, 16, 96, 1, 80}, GgmlType::Q4_1, 2),
            "tensor_parallel_size 2 does not split down_proj (ffn_down): its 48 inputs per rank "
            "are not whole Q4_1 blocks of 32");
}

// Greedy continuations of the fixture prompts (llama.cpp's generation.json) by both runners:
// prints where they diverge, the reference's top-2 margin there and the largest prefill logit
// difference; returns how many of the continuations are identical.
int compareGreedyContinuations(ModelRunner& whole, ModelRunner& sharded, int prompts, int steps) {
  const Json fx = test::loadFixture("generation.json");
  int identical = 0, n = 0;
  float worst = 0;
  for (const Json& p : fx["prompts"]) {
    if (n++ == prompts) break;
    const std::vector<int32_t> prompt = test::intList(p["prompt_ids"]);
    {
      Sequence a(whole), b(sharded);
      const auto l1 = a.run(prompt, 0).back(), l2 = b.run(prompt, 0).back();
      for (size_t v = 0; v < l1.size(); ++v) worst = std::max(worst, std::fabs(l1[v] - l2[v]));
    }
    Sequence a(whole), b(sharded);
    std::vector<float> margins;
    const std::vector<int32_t> want = a.greedy(prompt, steps, &margins);
    const std::vector<int32_t> got = b.greedy(prompt, steps);
    const auto diverge = std::mismatch(want.begin(), want.end(), got.begin()).first - want.begin();
    if (diverge == static_cast<std::ptrdiff_t>(want.size())) {
      ++identical;
    } else {
      std::cout << "  \"" << p["prompt"].get<std::string>() << "\" diverges at token " << diverge
                << ", where the top-2 margin is " << margins[static_cast<size_t>(diverge)] << "\n";
    }
  }
  std::cout << identical << " of " << prompts << " continuations of " << steps
            << " tokens identical; max prefill logit difference " << worst << "\n";
  return identical;
}

// SmolLM2-135M (9 heads, 3 KV heads, MLP 1536) in float16 (the Hugging Face copy): 3 ranks give
// the same greedy tokens as one on every fixture prompt; 2 ranks are refused by name.
TEST(TensorParallelRealModel, ThreeRanksGiveTheSameGreedyTokens) {
  WHARF_REQUIRE_HF_MODEL(dir);
  auto hf = HfCheckpoint::open(dir);
  try {
    CpuLlamaRunner::create(hf, 2, 2);
    FAIL() << "2 ranks accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tensor_parallel_size 2 does not split the model's 9 attention heads");
  }
  auto whole = CpuLlamaRunner::create(hf, 2, 1);
  auto sharded = CpuLlamaRunner::create(hf, 2, 3);
  EXPECT_EQ(compareGreedyContinuations(*whole, *sharded, 4, 24), 4);
}

// The Q4_1 GGUF quantizes every matmul's activations to 8 bits, which turns a last-bit difference
// of the residual into a rounding step: its logits move by up to ~0.8 between 1 and 3 ranks, the
// size of the model's own sensitivity to precision (runner_reference_test.cpp: llama.cpp's f16
// and f32 KV caches differ by 0.95). Continuations then part at near-ties; they are reported,
// and the logits bound asserted.
TEST(TensorParallelRealModel, QuantizedModelStaysWithinItsRoundingNoise) {
  WHARF_REQUIRE_TEST_MODEL(path);
  auto gguf = std::make_shared<GgufFile>(GgufFile::open(path));
  auto whole = CpuLlamaRunner::create(gguf, 2, 1);
  auto sharded = CpuLlamaRunner::create(gguf, 2, 3);
  compareGreedyContinuations(*whole, *sharded, 3, 16);
  const Json fx = test::loadFixture("generation.json");
  int prompts = 0;
  for (const Json& p : fx["prompts"]) {
    if (++prompts > 6) break;
    const std::vector<int32_t> prompt = test::intList(p["prompt_ids"]);
    Sequence a(*whole), b(*sharded);
    const auto l1 = a.run(prompt, 0).back(), l2 = b.run(prompt, 0).back();
    const auto [lo, hi] = std::minmax_element(l1.begin(), l1.end());
    float worst = 0;
    for (size_t v = 0; v < l1.size(); ++v) worst = std::max(worst, std::fabs(l1[v] - l2[v]));
    EXPECT_LE(worst, 0.05f * (*hi - *lo)) << p["prompt"].get<std::string>();
  }
}

}  // namespace
}  // namespace wharf::engine

// The CPU runner against llama.cpp's first-step logits and 32-token greedy continuations.
//
// Tolerance (measured, see the printed summary): for every prompt, the max abs difference between
// our logits and llama.cpp's, over its top-20 tokens and 50 probe tokens spread over the
// vocabulary, must be <= 0.05 x the prompt's logit range (max - min). Both engines quantize the
// activations to 8 bits and round K/V to f16, but in different places and orders.
//
// Measured: these differences are of the size that precision choices inside llama.cpp itself
// make. llama.cpp with an f32 KV cache against its default f16 cache (same prompts) differs by up
// to 0.95 (2.5% of the range), and only 7 of the 26 greedy continuations stay identical for 32
// tokens, with first divergences at reference margins up to 0.27.
//
// Greedy: tokens must be identical at every step before the first one where llama.cpp's top-2
// margin is below kNearTie (a near-tie: above that measured 0.27, so either choice is legitimate
// there); later steps are reported, not asserted. The count of fully identical 32-token
// continuations is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "fixtures.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

constexpr double kLogitTolerance = 0.05;  // x logit range
constexpr double kNearTie = 0.50;         // logits

class RunnerReference : public ::testing::Test {
 protected:
  void SetUp() override {
    WHARF_REQUIRE_TEST_MODEL(path);
    gguf_ = std::make_shared<GgufFile>(GgufFile::open(path));
    runner_ = std::make_unique<CpuLlamaRunner>(gguf_, 0);
    runner_->allocateKvCache(kBlocks);
    table_.resize(kBlocks);
    std::iota(table_.begin(), table_.end(), 0);
    fx_ = test::loadFixture("generation.json");
  }

  // Prefills `prompt` as one chunk; returns the last position's logits.
  std::vector<float> prefill(const std::vector<int32_t>& prompt) {
    ForwardBatch b;
    b.block_tables.push_back(&table_);
    for (size_t i = 0; i < prompt.size(); ++i) {
      b.add(prompt[i], static_cast<int32_t>(i), 0, i + 1 == prompt.size());
    }
    std::vector<float> logits;
    runner_->forward(b, logits);
    return logits;
  }

  std::vector<float> decode(int32_t token, int32_t pos) {
    ForwardBatch b;
    b.block_tables.push_back(&table_);
    b.add(token, pos, 0, true);
    std::vector<float> logits;
    runner_->forward(b, logits);
    return logits;
  }

  static constexpr size_t kBlocks = 64;
  std::shared_ptr<GgufFile> gguf_;
  std::unique_ptr<CpuLlamaRunner> runner_;
  std::vector<int32_t> table_;
  Json fx_;
};

int32_t argmax(const std::vector<float>& v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

TEST_F(RunnerReference, FirstStepLogitsWithinTolerance) {
  auto probes = test::intList(fx_["probe_ids"]);
  double worst_ratio = 0, worst_abs = 0;
  size_t top1_same = 0, n = 0;
  for (const Json& p : fx_["prompts"]) {
    auto logits = prefill(test::intList(p["prompt_ids"]));
    ASSERT_EQ(logits.size(), static_cast<size_t>(runner_->config().vocab_size));
    double range = p["stats"]["max"].get<double>() - p["stats"]["min"].get<double>();
    double max_diff = 0;
    auto ids = test::intList(p["top_ids"]);
    for (size_t i = 0; i < ids.size(); ++i) {
      max_diff = std::max(max_diff, std::fabs(logits[static_cast<size_t>(ids[i])] -
                                              p["top_logits"][i].get<double>()));
    }
    for (size_t i = 0; i < probes.size(); ++i) {
      max_diff = std::max(max_diff, std::fabs(logits[static_cast<size_t>(probes[i])] -
                                              p["probe_logits"][i].get<double>()));
    }
    EXPECT_LE(max_diff, kLogitTolerance * range) << "prompt: " << p["prompt"].get<std::string>();
    worst_abs = std::max(worst_abs, max_diff);
    worst_ratio = std::max(worst_ratio, max_diff / range);
    top1_same += argmax(logits) == ids[0];
    ++n;
  }
  std::cout << "logits: worst max-abs-diff " << worst_abs << " (" << worst_ratio * 100
            << "% of the logit range); top-1 identical for " << top1_same << "/" << n
            << " prompts\n";
}

TEST_F(RunnerReference, GreedyContinuationsMatchUntilNearTies) {
  size_t full = 0, compared_steps = 0, n = 0, steps_total = 0, with_checked_steps = 0;
  for (const Json& p : fx_["prompts"]) {
    auto prompt = test::intList(p["prompt_ids"]);
    auto logits = prefill(prompt);
    int32_t pos = static_cast<int32_t>(prompt.size());
    bool identical = true, checking = true;
    for (const Json& step : p["greedy"]) {
      int32_t want = static_cast<int32_t>(step["id"].get<int64_t>());
      int32_t got = argmax(logits);
      if (checking && step["margin"].get<double>() < kNearTie) checking = false;
      if (checking) {
        EXPECT_EQ(got, want) << "prompt '" << p["prompt"].get<std::string>() << "' step "
                             << pos - static_cast<int32_t>(prompt.size()) << " (reference margin "
                             << step["margin"].get<double>() << ")";
        ++compared_steps;
      }
      identical = identical && got == want;
      ++steps_total;
      if (!identical && !checking) break;  // nothing left to assert or count for this prompt
      // Follow the reference path so later steps stay comparable.
      logits = decode(want, pos++);
    }
    full += identical;
    with_checked_steps += p["greedy"][0]["margin"].get<double>() >= kNearTie;
    ++n;
  }
  std::cout << "greedy: " << full << "/" << n << " prompts identical for all 32 tokens; "
            << compared_steps << "/" << n * 32
            << " steps compared (before the first near-tie, margin < " << kNearTie << ", in "
            << with_checked_steps << " prompts)\n";
}

}  // namespace
}  // namespace wharf::engine

#include "engine/sched/sampling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/sched/stop_matcher.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * 0.1f;
  return v;
}

SampledToken once(const SamplingParams& p, std::vector<float> logits, SamplerState& st,
                  std::vector<int32_t> eog = {}) {
  Sampler s(std::move(eog));
  return s.sample(logits.data(), logits.size(), p, st);
}

TEST(Sampler, GreedyPicksTheMaximumAfterBiasAndPenalties) {
  SamplingParams p;
  p.temperature = 0;
  SamplerState st(p, {});
  EXPECT_EQ(once(p, ramp(50), st).id, 49);
  p.logit_bias[3] = 100;
  EXPECT_EQ(once(p, ramp(50), st).id, 3);
  p.logit_bias.clear();
  p.presence_penalty = 1.0f;  // 49 was generated: 4.9 - 1 < 4.8
  st.accept(49);
  EXPECT_EQ(once(p, ramp(50), st).id, 48);
}

TEST(Sampler, RepetitionPenaltyCoversThePrompt) {
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;
  SamplerState st(p, {49});
  EXPECT_EQ(once(p, ramp(50), st).id, 48);
}

TEST(Sampler, MinTokensMasksEndOfGenerationAndStopIds) {
  SamplingParams p;
  p.temperature = 0;
  p.min_tokens = 2;
  p.stop_token_ids = {48};
  SamplerState st(p, {});
  EXPECT_EQ(once(p, ramp(50), st, {49}).id, 47);
  st.accept(47);
  st.accept(47);
  EXPECT_EQ(once(p, ramp(50), st, {49}).id, 49);
}

TEST(Sampler, SeededSamplingIsReproducible) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.has_seed = true;
  p.seed = 1234;
  std::vector<int32_t> a, b;
  for (int run = 0; run < 2; ++run) {
    SamplerState st(p, {});
    for (int i = 0; i < 50; ++i) {
      int32_t t = once(p, ramp(64), st).id;
      st.accept(t);
      (run == 0 ? a : b).push_back(t);
    }
  }
  EXPECT_EQ(a, b);
  p.seed = 99;
  SamplerState other(p, {});
  std::vector<int32_t> c;
  for (int i = 0; i < 50; ++i) {
    int32_t t = once(p, ramp(64), other).id;
    other.accept(t);
    c.push_back(t);
  }
  EXPECT_NE(a, c);
}

TEST(Sampler, TruncationLimitsTheCandidates) {
  SamplingParams p;
  p.has_seed = true;
  p.temperature = 1.0f;
  p.top_k = 3;
  SamplerState st(p, {});
  for (int i = 0; i < 200; ++i) EXPECT_GE(once(p, ramp(100), st).id, 97);
  p.top_k = 0;
  p.top_p = 0.05f;  // the top token alone holds more than 5%
  std::vector<float> peaked(100, 0.0f);
  peaked[10] = 5.0f;
  for (int i = 0; i < 50; ++i) EXPECT_EQ(once(p, peaked, st).id, 10);
  // The kept prefix grows past the first sorted chunk: uniform logits, half the mass.
  p.top_p = 0.5f;
  std::vector<float> flat(1000, 1.0f);
  std::map<int32_t, int> spread;
  for (int i = 0; i < 2000; ++i) {
    int32_t t = once(p, flat, st).id;
    EXPECT_LT(t, 500);
    ++spread[t / 100];
  }
  EXPECT_EQ(spread.size(), 5u);
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // only tokens at least half as likely as the top one
  std::vector<float> two(100, -10.0f);
  two[3] = 1.0f;
  two[4] = 1.0f - std::log(1.5f);
  std::map<int32_t, int> seen;
  for (int i = 0; i < 400; ++i) ++seen[once(p, two, st).id];
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_GT(seen[3], seen[4]);
}

TEST(Sampler, TemperatureDistributionMatches) {
  SamplingParams p;
  p.has_seed = true;
  p.temperature = 0.5f;
  SamplerState st(p, {});
  std::vector<float> l = {0.0f, std::log(2.0f) * 0.5f};  // at T=0.5: odds 1:2
  int ones = 0, n = 6000;
  for (int i = 0; i < n; ++i) ones += once(p, l, st).id == 1;
  EXPECT_NEAR(static_cast<double>(ones) / n, 2.0 / 3.0, 0.03);
}

TEST(Sampler, LogprobsAreNormalisedAndSorted) {
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = 3;
  SamplerState st(p, {});
  auto r = once(p, ramp(10), st);
  ASSERT_EQ(r.top_ids.size(), 3u);
  EXPECT_EQ(r.top_ids[0], 9);
  EXPECT_FLOAT_EQ(r.logprob, r.top_logprobs[0]);
  EXPECT_GT(r.top_logprobs[0], r.top_logprobs[1]);
  double total = 0;
  for (float v : ramp(10)) total += std::exp(v - 0.9);
  EXPECT_NEAR(r.logprob, -std::log(total), 1e-5);
}

// Logprobs are the raw logits' log-softmax: penalties, bias and masks change what is sampled,
// not what its logprob says (vLLM's raw_logprobs).
TEST(Sampler, LogprobsAreOfTheRawLogits) {
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = 1;
  p.logit_bias[3] = 100;
  SamplerState st(p, {});
  auto r = once(p, ramp(10), st);
  EXPECT_EQ(r.id, 3);
  double total = 0;
  for (float v : ramp(10)) total += std::exp(v - 0.9);
  EXPECT_NEAR(r.logprob, 0.3 - 0.9 - std::log(total), 1e-5);
  ASSERT_EQ(r.top_ids.size(), 1u);
  EXPECT_EQ(r.top_ids[0], 9);  // the raw distribution's most likely, not the biased one
}

// Scoring a given token: its logprob and rank (1 + the tokens strictly more likely), and the top k
// most likely (ties: lower id first), computed stably for large logits.
TEST(Sampler, ScoresAGivenToken) {
  std::vector<float> l = {1000.0f, 1002.0f, 1001.0f, 1002.0f, 999.0f};
  const double log_z =
      1002.0 + std::log(std::exp(-2.0) + 1.0 + std::exp(-1.0) + 1.0 + std::exp(-3.0));
  auto s = Sampler::score(l.data(), l.size(), 2, 3);
  EXPECT_EQ(s.id, 2);
  EXPECT_NEAR(s.logprob, 1001.0 - log_z, 1e-5);
  EXPECT_EQ(s.rank, 3);
  EXPECT_EQ(s.top_ids, (std::vector<int32_t>{1, 3, 2}));
  ASSERT_EQ(s.top_logprobs.size(), 3u);
  EXPECT_NEAR(s.top_logprobs[0], 1002.0 - log_z, 1e-5);
  EXPECT_FLOAT_EQ(s.top_logprobs[2], s.logprob);
  EXPECT_EQ(Sampler::score(l.data(), l.size(), 1, 0).rank, 1);
  EXPECT_TRUE(Sampler::score(l.data(), l.size(), 1, 0).top_ids.empty());
  EXPECT_EQ(Sampler::score(l.data(), l.size(), 4, 0).rank, 5);
  EXPECT_THROW(Sampler::score(l.data(), l.size(), 5, 0), Error);
  // The same logprob as a sampled token's (both are the raw log-softmax).
  SamplingParams p;
  p.temperature = 0;
  p.logprobs = 0;
  SamplerState st(p, {});
  auto sampled = once(p, l, st);
  EXPECT_EQ(sampled.id, 1);
  EXPECT_FLOAT_EQ(sampled.logprob, Sampler::score(l.data(), l.size(), 1, 0).logprob);
}

TEST(SamplingParams, ValidatesTheCStruct) {
  wharf_sampling_params c{};
  c.struct_size = sizeof c;
  c.max_tokens = 8;
  c.temperature = 0.7f;
  c.top_p = 1.0f;
  c.repetition_penalty = 1.0f;
  c.logprobs = -1;
  const char* stops[] = {"\n\n", ""};
  c.stop = stops;
  c.stop_count = 2;
  SamplingParams s = SamplingParams::fromC(&c, 100);
  EXPECT_EQ(s.stop.size(), 1u);
  c.top_p = 0;
  EXPECT_THROW(SamplingParams::fromC(&c, 100), Error);
  c.top_p = 1;
  c.max_tokens = -1;
  EXPECT_THROW(SamplingParams::fromC(&c, 100), Error);
  c.max_tokens = 0;  // compute (and score) the prompt only
  EXPECT_EQ(SamplingParams::fromC(&c, 100).max_tokens, 0);
  EXPECT_EQ(SamplingParams::fromC(&c, 100).prompt_logprobs, -1);  // a zeroed tail: no scoring
  c.score_prompt = 1;
  c.prompt_top_logprobs = 5;
  EXPECT_EQ(SamplingParams::fromC(&c, 100).prompt_logprobs, 5);
  c.prompt_top_logprobs = 21;
  EXPECT_THROW(SamplingParams::fromC(&c, 100), Error);
  c.prompt_top_logprobs = -1;
  EXPECT_THROW(SamplingParams::fromC(&c, 100), Error);
  c.score_prompt = 0;
  c.max_tokens = 4;
  int32_t ids[] = {100};
  float vals[] = {1.0f};
  c.logit_bias_ids = ids;
  c.logit_bias_values = vals;
  c.logit_bias_count = 1;
  EXPECT_THROW(SamplingParams::fromC(&c, 100), Error);
  // A caller built against an older, shorter struct: later fields keep their defaults.
  wharf_sampling_params old = c;
  old.struct_size = offsetof(wharf_sampling_params, min_p);
  SamplingParams o = SamplingParams::fromC(&old, 100);
  EXPECT_EQ(o.max_tokens, 4);
  EXPECT_TRUE(o.stop.empty());
}

TEST(StopMatcher, HoldsBackPossibleStartsAndCutsAtTheStop) {
  StopMatcher m({"STOP", "\n\n"}, false);
  EXPECT_EQ(m.push("Hello S").text, "Hello ");
  EXPECT_EQ(m.push("T").text, "");
  auto r = m.push("OP and more");
  EXPECT_EQ(r.text, "");
  ASSERT_TRUE(r.stop);
  EXPECT_EQ(*r.stop, "STOP");
  EXPECT_EQ(m.push("ignored").text, "");

  StopMatcher n({"STOP"}, false);
  EXPECT_EQ(n.push("ST").text, "");
  EXPECT_EQ(n.push("ART").text, "START");
  EXPECT_EQ(n.push("x S").text, "x ");
  EXPECT_EQ(n.flush(), "S");

  StopMatcher inc({"</s>"}, true);
  auto q = inc.push("a</s>b");
  EXPECT_EQ(q.text, "a</s>");
  StopMatcher utf({"é!"}, false);
  EXPECT_EQ(utf.push("café").text, "caf");
  EXPECT_EQ(utf.push("?").text, "é?");
}

}  // namespace
}  // namespace wharf::engine

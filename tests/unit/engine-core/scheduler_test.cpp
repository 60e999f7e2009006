#include "engine/sched/scheduler.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

namespace wharf::engine {
namespace {

std::shared_ptr<ScheduledSequence> sequence(SequenceId id, size_t prompt, int32_t base = 0) {
  auto s = std::make_shared<ScheduledSequence>();
  s->id = id;
  s->tokens.resize(prompt);
  std::iota(s->tokens.begin(), s->tokens.end(), base);
  return s;
}

// Runs one step: commits the planned work, advances scoring as the engine does, and appends a
// token for sequences that sampled.
SchedulerStep runStep(Scheduler& sched) {
  SchedulerStep step = sched.schedule();
  for (const StepWork& w : step.work) {
    sched.commit(w);
    if (w.scored) w.seq->score_from = w.score_begin + w.scored;
    if (w.wants_logits) w.seq->tokens.push_back(7);
  }
  return step;
}

TEST(Scheduler, ChunkedPrefillRespectsTheTokenBudget) {
  BlockManager blocks(64);
  Scheduler sched({.max_num_seqs = 8, .max_num_batched_tokens = 64}, blocks);
  auto a = sequence(1, 100), b = sequence(2, 10, 1000);
  sched.enqueue(a);
  sched.enqueue(b);
  SchedulerStep s1 = runStep(sched);
  ASSERT_EQ(s1.work.size(), 1u);  // a's first chunk takes the whole budget
  EXPECT_EQ(s1.work[0].num_tokens, 64u);
  EXPECT_FALSE(s1.work[0].wants_logits);
  SchedulerStep s2 = runStep(sched);
  ASSERT_EQ(s2.work.size(), 2u);  // a's remaining 36, then b's 10: prefill chunk + new prompt
  EXPECT_EQ(s2.work[0].num_tokens, 36u);
  EXPECT_TRUE(s2.work[0].wants_logits);
  EXPECT_EQ(s2.work[1].num_tokens, 10u);
  SchedulerStep s3 = runStep(sched);  // both decode
  ASSERT_EQ(s3.work.size(), 2u);
  EXPECT_EQ(s3.num_tokens, 2u);
  EXPECT_TRUE(blocks.consistent());
}

// The waiting queue's bound is the engine's admission control (InferenceEngine::submit).
TEST(Scheduler, LimitsRunningSequences) {
  BlockManager blocks(64);
  Scheduler sched({.max_num_seqs = 2, .max_num_batched_tokens = 512}, blocks);
  for (SequenceId i = 1; i <= 3; ++i) sched.enqueue(sequence(i, 5));
  runStep(sched);
  EXPECT_EQ(sched.running(), 2u);
  EXPECT_EQ(sched.waiting(), 1u);
  sched.remove(1);
  runStep(sched);
  EXPECT_EQ(sched.running(), 2u);
  EXPECT_EQ(sched.waiting(), 0u);
}

TEST(Scheduler, PreemptsTheNewestWhenBlocksRunOut) {
  BlockManager blocks(4, /*prefix_caching=*/false);  // 64 token slots
  Scheduler sched({.max_num_seqs = 4, .max_num_batched_tokens = 256}, blocks);
  auto a = sequence(1, 30), b = sequence(2, 30, 500);
  sched.enqueue(a);
  sched.enqueue(b);
  runStep(sched);  // both prefilled: 2 blocks each, all 4 used
  EXPECT_EQ(blocks.freeBlocks(), 0u);
  // Growing past 32 tokens needs a third block for each: b (newest) is preempted for a.
  SchedulerStep s;
  for (int i = 0; i < 5 && s.preempted.empty(); ++i) s = runStep(sched);
  ASSERT_EQ(s.preempted.size(), 1u);
  EXPECT_EQ(s.preempted[0]->id, 2u);
  EXPECT_EQ(b->num_computed, 0u);
  EXPECT_EQ(sched.waiting(), 1u);
  EXPECT_EQ(sched.preemptions(), 1u);
  EXPECT_TRUE(blocks.consistent());
  // Once a finishes, b is re-prefilled with all its tokens (prompt + generated) and goes on.
  size_t b_tokens = b->tokens.size();
  sched.remove(1);
  SchedulerStep again = runStep(sched);
  ASSERT_EQ(again.work.size(), 1u);
  EXPECT_EQ(again.work[0].num_tokens, b_tokens);
  EXPECT_TRUE(again.work[0].wants_logits);
}

TEST(Scheduler, RejectsWhatCanNeverFit) {
  BlockManager blocks(2);
  Scheduler sched({.max_num_seqs = 4, .max_num_batched_tokens = 256}, blocks);
  sched.enqueue(sequence(1, 40));
  SchedulerStep s = sched.schedule();
  ASSERT_EQ(s.rejected.size(), 1u);
  EXPECT_TRUE(s.work.empty());
}

// Scored positions (prompt logprobs) are never served by the prefix cache, and a step's scored
// rows are bounded: prefill chunks are shortened to fit, other sequences still run.
TEST(Scheduler, ScoredPositionsBypassTheCacheAndFitTheRowBudget) {
  BlockManager blocks(64);
  Scheduler sched({.max_num_seqs = 8, .max_num_batched_tokens = 256, .max_scored_rows = 16},
                  blocks);
  auto plain = sequence(1, 40);
  sched.enqueue(plain);
  runStep(sched);
  sched.remove(1);  // its 2 full blocks stay cached

  auto scored = sequence(2, 40), other = sequence(3, 40);
  scored->score_end = 39;  // positions 0..38 score tokens 1..39
  sched.enqueue(scored);
  sched.enqueue(other);
  SchedulerStep s1 = runStep(sched);
  ASSERT_EQ(s1.work.size(), 2u);
  EXPECT_EQ(s1.work[0].seq, scored.get());
  EXPECT_EQ(scored->cached_tokens, 0u);  // nothing read from the cache
  EXPECT_EQ(s1.work[0].num_tokens, 16u);
  EXPECT_EQ(s1.work[0].score_begin, 0u);
  EXPECT_EQ(s1.work[0].scored, 16u);
  EXPECT_FALSE(s1.work[0].wants_logits);
  EXPECT_EQ(other->cached_tokens, 32u);  // a plain sequence still is
  EXPECT_EQ(s1.work[1].num_tokens, 8u);
  SchedulerStep s2 = runStep(sched);
  EXPECT_EQ(s2.work[0].score_begin, 16u);
  EXPECT_EQ(s2.work[0].scored, 16u);
  SchedulerStep s3 = runStep(sched);
  EXPECT_EQ(s3.work[0].num_tokens, 8u);  // 32..39: scores 32..38, then samples after 39
  EXPECT_EQ(s3.work[0].scored, 7u);
  EXPECT_TRUE(s3.work[0].wants_logits);
  EXPECT_FALSE(scored->scoring());
  SchedulerStep s4 = runStep(sched);  // decoding: nothing scored
  EXPECT_EQ(s4.work[0].scored, 0u);
  EXPECT_TRUE(blocks.consistent());
}

// A sequence preempted while it is scored is re-prefilled from the cache only up to the first
// position still to be scored.
TEST(Scheduler, APreemptedScoredSequenceResumesScoring) {
  BlockManager blocks(64);
  Scheduler sched({.max_num_seqs = 8, .max_num_batched_tokens = 256, .max_scored_rows = 20},
                  blocks);
  auto s = sequence(1, 60);
  s->score_end = 59;
  sched.enqueue(s);
  runStep(sched);  // positions 0..19 scored; block 0 (0..15) is full and cached
  EXPECT_EQ(s->score_from, 20u);
  sched.remove(1);  // as a preemption does: blocks released, all tokens kept
  s->num_computed = 0;
  s->admitted = false;
  sched.enqueue(s);
  SchedulerStep again = runStep(sched);
  ASSERT_EQ(again.work.size(), 1u);
  EXPECT_EQ(again.work[0].score_begin, 20u);
  EXPECT_EQ(again.work[0].scored, 20u);
  EXPECT_EQ(again.work[0].num_tokens, 24u);  // 16..39: block 0 came from the cache
  EXPECT_TRUE(blocks.consistent());
}

TEST(Scheduler, RandomWorkloadKeepsInvariants) {
  std::mt19937 rng(11);
  BlockManager blocks(24);
  Scheduler sched({.max_num_seqs = 5, .max_num_batched_tokens = 40}, blocks);
  std::vector<std::shared_ptr<ScheduledSequence>> all;
  SequenceId next = 1;
  size_t processed = 0;
  for (int step = 0; step < 2000; ++step) {
    if (rng() % 3 == 0) {
      auto s = sequence(next++, 1 + rng() % 60, static_cast<int32_t>(rng() % 3) * 16);
      sched.enqueue(s);
      all.push_back(s);
    }
    SchedulerStep st = runStep(sched);
    ASSERT_LE(st.num_tokens, 40u);
    processed += st.num_tokens;
    ASSERT_LE(sched.running(), 5u);
    for (ScheduledSequence* r : st.rejected) sched.remove(r->id);
    for (auto& s : all) {
      if (s->admitted && s->tokens.size() > 90) sched.remove(s->id);  // "finished"
      if (s->admitted) {
        ASSERT_GE(blocks.blockTable(s->id).size() * kKvBlockSize, s->num_computed);
      }
    }
    ASSERT_TRUE(blocks.consistent());
  }
  EXPECT_GT(processed, 10000u);
  EXPECT_GT(sched.preemptions(), 0u);
}

}  // namespace
}  // namespace wharf::engine

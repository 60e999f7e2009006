#include "engine/sched/block_manager.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

namespace wharf::engine {
namespace {

std::vector<int32_t> tokens(size_t n, int32_t start = 0) {
  std::vector<int32_t> t(n);
  std::iota(t.begin(), t.end(), start);
  return t;
}

TEST(BlockManager, AllocatesAndFrees) {
  BlockManager m(8);
  EXPECT_EQ(m.startSequence(1, tokens(20)), 0u);
  ASSERT_TRUE(m.ensureCapacity(1, 20));
  EXPECT_EQ(m.blockTable(1).size(), 2u);
  EXPECT_EQ(m.usedBlocks(), 2u);
  EXPECT_TRUE(m.ensureCapacity(1, 32));
  EXPECT_EQ(m.blockTable(1).size(), 2u);
  EXPECT_TRUE(m.ensureCapacity(1, 33));
  EXPECT_EQ(m.blockTable(1).size(), 3u);
  EXPECT_FALSE(m.ensureCapacity(1, 16 * 9));  // more than exists: nothing changes
  EXPECT_EQ(m.blockTable(1).size(), 3u);
  EXPECT_TRUE(m.consistent());
  m.release(1);
  EXPECT_EQ(m.freeBlocks(), 8u);
  EXPECT_TRUE(m.consistent());
}

TEST(BlockManager, SharesComputedFullBlocksOfACommonPrefix) {
  BlockManager m(16);
  auto a = tokens(40);
  m.startSequence(1, a);
  ASSERT_TRUE(m.ensureCapacity(1, 40));
  m.commitTokens(1, a, 40);  // two full blocks registered
  EXPECT_EQ(m.cachedBlocks(), 2u);

  auto b = tokens(40);
  b[39] = 999;  // same first 39 tokens
  EXPECT_EQ(m.startSequence(2, b), 32u);
  EXPECT_EQ(m.blockTable(2)[0], m.blockTable(1)[0]);
  EXPECT_EQ(m.blockTable(2)[1], m.blockTable(1)[1]);
  ASSERT_TRUE(m.ensureCapacity(2, 41));
  EXPECT_NE(m.blockTable(2)[2], m.blockTable(1)[2]);
  EXPECT_EQ(m.usedBlocks(), 4u);

  // A prompt of exactly two blocks shares only the first (its last token must be computed).
  EXPECT_EQ(m.startSequence(3, tokens(32)), 16u);
  // A different first block shares nothing, even with equal later blocks.
  auto c = tokens(40);
  c[0] = 7777;
  EXPECT_EQ(m.startSequence(4, c), 0u);
  EXPECT_TRUE(m.consistent());
  EXPECT_EQ(m.prefixHitTokens(), 48u);
}

// A sequence that needs the logits of positions from `max_cached` on shares no block reaching
// them; 0 does not even query the cache.
TEST(BlockManager, MaxCachedLimitsTheSharedPrefix) {
  BlockManager m(16);
  auto a = tokens(60);
  m.startSequence(1, a);
  ASSERT_TRUE(m.ensureCapacity(1, 60));
  m.commitTokens(1, a, 60);  // three full blocks registered
  const uint64_t queried = m.prefixQueriedTokens();
  EXPECT_EQ(m.startSequence(2, a, 0), 0u);
  EXPECT_EQ(m.prefixQueriedTokens(), queried);
  EXPECT_EQ(m.startSequence(3, a, 40), 32u);
  EXPECT_EQ(m.startSequence(4, a, 32), 32u);
  EXPECT_EQ(m.startSequence(5, a, 31), 16u);
  EXPECT_EQ(m.startSequence(6, a), 48u);
  // What a sequence that bypassed the cache computes is registered only where no twin is.
  ASSERT_TRUE(m.ensureCapacity(2, 60));
  m.commitTokens(2, a, 60);
  EXPECT_EQ(m.cachedBlocks(), 3u);
  EXPECT_TRUE(m.consistent());
}

TEST(BlockManager, CachedBlocksSurviveReleaseUntilEvicted) {
  BlockManager m(4);
  auto a = tokens(33);
  m.startSequence(1, a);
  ASSERT_TRUE(m.ensureCapacity(1, 33));
  m.commitTokens(1, a, 33);
  m.release(1);
  EXPECT_EQ(m.freeBlocks(), 4u);
  EXPECT_EQ(m.cachedBlocks(), 2u);
  EXPECT_EQ(m.startSequence(2, a), 32u);  // revived from the evictable list
  EXPECT_EQ(m.freeBlocks(), 2u);
  m.release(2);
  // Needing every block evicts the cached ones.
  m.startSequence(3, tokens(64, 1000));
  ASSERT_TRUE(m.ensureCapacity(3, 64));
  EXPECT_EQ(m.cachedBlocks(), 0u);
  EXPECT_EQ(m.freeBlocks(), 0u);
  EXPECT_TRUE(m.consistent());
}

TEST(BlockManager, RandomOperationsKeepInvariants) {
  std::mt19937 rng(3);
  BlockManager m(40);
  std::vector<std::pair<SequenceId, std::vector<int32_t>>> live;
  SequenceId next = 1;
  for (int step = 0; step < 3000; ++step) {
    int op = static_cast<int>(rng() % 4);
    if (op == 0 || live.empty()) {
      // Prompts drawn from a few shared prefixes.
      std::vector<int32_t> t = tokens(16 * (rng() % 3), static_cast<int32_t>(rng() % 2) * 100);
      for (size_t i = rng() % 30; i > 0; --i) t.push_back(static_cast<int32_t>(rng() % 50));
      if (t.empty()) t.push_back(1);
      size_t cached = m.startSequence(next, t);
      ASSERT_LT(cached, t.size());
      if (m.ensureCapacity(next, t.size())) {
        m.commitTokens(next, t, t.size());
        live.emplace_back(next, t);
      } else {
        m.release(next);
      }
      ++next;
    } else if (op == 1) {
      auto& [id, t] = live[rng() % live.size()];
      t.push_back(static_cast<int32_t>(rng() % 50));
      if (m.ensureCapacity(id, t.size()))
        m.commitTokens(id, t, t.size());
      else
        t.pop_back();
    } else {
      size_t i = rng() % live.size();
      m.release(live[i].first);
      live.erase(live.begin() + static_cast<long>(i));
    }
    ASSERT_TRUE(m.consistent()) << "step " << step;
  }
}

}  // namespace
}  // namespace wharf::engine

// Paged KV cache bookkeeping (device-independent): fixed blocks of kKvBlockSize tokens, a block
// table per sequence, reference counts, a free list, and prefix caching: every full block whose KV
// has been computed is registered under a hash chained over all token ids up to its end, so a later
// sequence with the same prefix shares it instead of recomputing. Unreferenced cached blocks stay
// reusable until their space is needed (least recently freed first). Only full, immutable blocks
// are shared, so no copy-on-write is needed. Not thread-safe: the scheduler thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/sched/forward_batch.hpp"

namespace wharf::engine {

using SequenceId = uint64_t;

class BlockManager {
 public:
  explicit BlockManager(size_t num_blocks, bool prefix_caching = true);

  static size_t blocksFor(size_t positions) {
    return (positions + kKvBlockSize - 1) / kKvBlockSize;
  }

  size_t totalBlocks() const { return blocks_.size(); }
  // Blocks that can be handed out now: never-used or freed ones plus unreferenced cached ones.
  size_t freeBlocks() const { return free_.size() + evictable_.size(); }
  // Blocks referenced by at least one sequence.
  size_t usedBlocks() const { return totalBlocks() - freeBlocks(); }
  size_t cachedBlocks() const { return by_hash_.size(); }

  // Starts a sequence over `tokens`, sharing the cached blocks of its longest cached prefix (never
  // the block holding the last token, whose logits must be computed, nor a block reaching past
  // `max_cached` tokens: a sequence that needs the logits of positions from there on computes
  // them; 0 reads nothing from the cache). Returns the number of leading tokens whose KV is
  // already present. Allocates nothing else.
  size_t startSequence(SequenceId id, const std::vector<int32_t>& tokens,
                       size_t max_cached = SIZE_MAX);
  // Grows the sequence's table to cover `positions` positions. Returns false, changing nothing,
  // when there are not enough free blocks.
  bool ensureCapacity(SequenceId id, size_t positions);
  // Records that KV for tokens[0, computed) is written: newly full blocks become shareable.
  void commitTokens(SequenceId id, const std::vector<int32_t>& tokens, size_t computed);
  // Drops the sequence's references (its blocks become free or cached-evictable).
  void release(SequenceId id);

  bool hasSequence(SequenceId id) const { return seqs_.count(id) != 0; }
  const std::vector<int32_t>& blockTable(SequenceId id) const;

  // Prefix cache effectiveness: prompt tokens looked up / found, over all startSequence calls.
  uint64_t prefixQueriedTokens() const { return queried_tokens_; }
  uint64_t prefixHitTokens() const { return hit_tokens_; }

  // Checks every internal invariant (reference counts, lists, hashes); for tests.
  bool consistent() const;

 private:
  struct Block {
    int32_t refs = 0;
    bool hashed = false;
    uint64_t hash = 0;
    uint64_t parent_hash = 0;
    std::vector<int32_t> tokens;  // the block's token ids when hashed (collision check)
    std::list<int32_t>::iterator lru;
  };
  struct Sequence {
    std::vector<int32_t> table;
    std::vector<uint64_t> hashes;  // chain hash of each registered full block
  };

  static uint64_t chainHash(uint64_t parent, const int32_t* tokens);
  std::optional<int32_t> lookup(uint64_t parent, uint64_t hash, const int32_t* tokens) const;
  int32_t allocate();
  void unref(int32_t block);

  std::vector<Block> blocks_;
  std::vector<int32_t> free_;     // unreferenced, not cached
  std::list<int32_t> evictable_;  // unreferenced, cached; front = evicted first
  std::unordered_multimap<uint64_t, int32_t> by_hash_;
  std::unordered_map<SequenceId, Sequence> seqs_;
  bool prefix_caching_;
  uint64_t queried_tokens_ = 0, hit_tokens_ = 0;
};

}  // namespace wharf::engine

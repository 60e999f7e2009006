#include "engine/sched/block_manager.hpp"

#include <algorithm>
#include <cstring>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

BlockManager::BlockManager(size_t num_blocks, bool prefix_caching)
    : blocks_(num_blocks), prefix_caching_(prefix_caching) {
  free_.reserve(num_blocks);
  // Hand out low ids first.
  for (size_t i = num_blocks; i-- > 0;) free_.push_back(static_cast<int32_t>(i));
}

uint64_t BlockManager::chainHash(uint64_t parent, const int32_t* tokens) {
  // FNV-1a over the parent hash and the block's token ids, then a final mix.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  mix(parent);
  for (size_t i = 0; i < kKvBlockSize; ++i) mix(static_cast<uint32_t>(tokens[i]));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

std::optional<int32_t> BlockManager::lookup(uint64_t parent, uint64_t hash,
                                            const int32_t* tokens) const {
  auto [b, e] = by_hash_.equal_range(hash);
  for (auto it = b; it != e; ++it) {
    const Block& blk = blocks_[static_cast<size_t>(it->second)];
    if (blk.parent_hash == parent && std::equal(blk.tokens.begin(), blk.tokens.end(), tokens)) {
      return it->second;
    }
  }
  return std::nullopt;
}

size_t BlockManager::startSequence(SequenceId id, const std::vector<int32_t>& tokens,
                                   size_t max_cached) {
  if (seqs_.count(id)) throw Error(WHARF_ERR_INTERNAL, "sequence started twice");
  Sequence& s = seqs_[id];
  // A sequence that may read nothing from the cache does not query it (nor count as a miss).
  if (!prefix_caching_ || tokens.empty() || max_cached < kKvBlockSize) return 0;
  size_t shareable = std::min((tokens.size() - 1) / kKvBlockSize, max_cached / kKvBlockSize);
  queried_tokens_ += tokens.size();
  uint64_t parent = 0;
  for (size_t i = 0; i < shareable; ++i) {
    const int32_t* t = tokens.data() + i * kKvBlockSize;
    uint64_t h = chainHash(parent, t);
    auto hit = lookup(parent, h, t);
    if (!hit) break;
    Block& blk = blocks_[static_cast<size_t>(*hit)];
    if (blk.refs == 0) evictable_.erase(blk.lru);
    ++blk.refs;
    s.table.push_back(*hit);
    s.hashes.push_back(h);
    parent = h;
  }
  size_t cached = s.table.size() * kKvBlockSize;
  hit_tokens_ += cached;
  return cached;
}

int32_t BlockManager::allocate() {
  int32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    // Evict the least recently freed cached block.
    id = evictable_.front();
    evictable_.pop_front();
    Block& blk = blocks_[static_cast<size_t>(id)];
    auto [b, e] = by_hash_.equal_range(blk.hash);
    for (auto it = b; it != e; ++it) {
      if (it->second == id) {
        by_hash_.erase(it);
        break;
      }
    }
    blk.hashed = false;
    blk.tokens.clear();
  }
  blocks_[static_cast<size_t>(id)].refs = 1;
  return id;
}

bool BlockManager::ensureCapacity(SequenceId id, size_t positions) {
  Sequence& s = seqs_.at(id);
  size_t need = blocksFor(positions);
  if (need <= s.table.size()) return true;
  if (need - s.table.size() > freeBlocks()) return false;
  while (s.table.size() < need) s.table.push_back(allocate());
  return true;
}

void BlockManager::commitTokens(SequenceId id, const std::vector<int32_t>& tokens,
                                size_t computed) {
  if (!prefix_caching_) return;
  Sequence& s = seqs_.at(id);
  size_t full = std::min(computed, tokens.size()) / kKvBlockSize;
  full = std::min(full, s.table.size());
  while (s.hashes.size() < full) {
    size_t i = s.hashes.size();
    uint64_t parent = i == 0 ? 0 : s.hashes[i - 1];
    const int32_t* t = tokens.data() + i * kKvBlockSize;
    uint64_t h = chainHash(parent, t);
    s.hashes.push_back(h);
    Block& blk = blocks_[static_cast<size_t>(s.table[i])];
    if (blk.hashed || lookup(parent, h, t)) continue;  // shared already, or a twin is cached
    blk.hashed = true;
    blk.hash = h;
    blk.parent_hash = parent;
    blk.tokens.assign(t, t + kKvBlockSize);
    by_hash_.emplace(h, s.table[i]);
  }
}

void BlockManager::unref(int32_t id) {
  Block& blk = blocks_[static_cast<size_t>(id)];
  if (--blk.refs > 0) return;
  if (blk.hashed) {
    blk.lru = evictable_.insert(evictable_.end(), id);
  } else {
    free_.push_back(id);
  }
}

void BlockManager::release(SequenceId id) {
  auto it = seqs_.find(id);
  if (it == seqs_.end()) return;
  // Tail blocks first, so that they are evicted before the prefix blocks they depend on.
  const std::vector<int32_t>& table = it->second.table;
  for (size_t i = table.size(); i-- > 0;) unref(table[i]);
  seqs_.erase(it);
}

const std::vector<int32_t>& BlockManager::blockTable(SequenceId id) const {
  return seqs_.at(id).table;
}

bool BlockManager::consistent() const {
  std::vector<int32_t> refs(blocks_.size(), 0);
  for (const auto& [id, s] : seqs_) {
    for (int32_t b : s.table) ++refs[static_cast<size_t>(b)];
  }
  std::vector<int> listed(blocks_.size(), 0);
  for (int32_t b : free_) ++listed[static_cast<size_t>(b)];
  for (int32_t b : evictable_) ++listed[static_cast<size_t>(b)];
  size_t hashed = 0;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& blk = blocks_[i];
    if (blk.refs != refs[i]) return false;
    if ((blk.refs == 0) != (listed[i] == 1) || listed[i] > 1) return false;
    if (blk.hashed) ++hashed;
  }
  for (int32_t b : evictable_) {
    if (!blocks_[static_cast<size_t>(b)].hashed) return false;
  }
  for (int32_t b : free_) {
    if (blocks_[static_cast<size_t>(b)].hashed) return false;
  }
  return hashed == by_hash_.size();
}

}  // namespace wharf::engine

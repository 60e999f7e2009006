// What one forward step computes: a flat list of tokens from any number of sequences (prefill
// chunks and decodes mixed), each with its position and its sequence's KV block table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wharf::engine {

// Tokens per KV cache block (vLLM's default).
constexpr size_t kKvBlockSize = 16;

struct ForwardBatch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;    // per token: its index in its sequence
  std::vector<int32_t> sequence_of;  // per token: index into block_tables
  // Per sequence: physical KV block ids covering positions [0, last position] of that sequence.
  std::vector<const std::vector<int32_t>*> block_tables;
  // Token indices whose next-token logits are wanted, in output order.
  std::vector<int32_t> logit_rows;

  void add(int32_t token, int32_t position, int32_t sequence, bool want_logits) {
    if (want_logits) logit_rows.push_back(static_cast<int32_t>(tokens.size()));
    tokens.push_back(token);
    positions.push_back(position);
    sequence_of.push_back(sequence);
  }
  size_t size() const { return tokens.size(); }
};

}  // namespace wharf::engine

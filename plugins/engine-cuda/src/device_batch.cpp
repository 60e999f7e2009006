#include "engine/cuda/device_batch.hpp"

#include <algorithm>
#include <string>

#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {

DeviceBatch packDeviceBatch(const ForwardBatch& batch, size_t kv_blocks, int64_t vocab,
                            size_t padded) {
  DeviceBatch d;
  d.tokens = batch.size();
  d.padded = std::max(padded, d.tokens);
  d.sequences = batch.block_tables.size();
  if (batch.positions.size() != d.tokens || batch.sequence_of.size() != d.tokens)
    throw Error(WHARF_ERR_INTERNAL, "forward batch: ragged token arrays");
  for (const std::vector<int32_t>* table : batch.block_tables) {
    if (!table) throw Error(WHARF_ERR_INTERNAL, "forward batch: missing block table");
    d.max_blocks = std::max(d.max_blocks, table->size());
  }
  d.block_tables.assign(d.sequences * d.max_blocks, 0);
  for (size_t s = 0; s < d.sequences; ++s) {
    const std::vector<int32_t>& table = *batch.block_tables[s];
    std::copy(table.begin(), table.end(), d.block_tables.begin() + s * d.max_blocks);
  }
  d.token_ids.assign(d.padded, 0);
  d.positions.assign(d.padded, 0);
  d.sequence_of.assign(d.padded, 0);
  d.slots.assign(d.padded, -1);
  for (size_t t = 0; t < d.tokens; ++t) {
    const int32_t tok = batch.tokens[t], pos = batch.positions[t], seq = batch.sequence_of[t];
    if (tok < 0 || tok >= vocab) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "token id " + std::to_string(tok) + " out of range");
    }
    if (seq < 0 || static_cast<size_t>(seq) >= d.sequences)
      throw Error(WHARF_ERR_INTERNAL, "forward batch: sequence index out of range");
    if (pos < 0) throw Error(WHARF_ERR_INTERNAL, "forward batch: negative position");
    const std::vector<int32_t>& table = *batch.block_tables[static_cast<size_t>(seq)];
    const size_t last = static_cast<size_t>(pos) / kKvBlockSize;
    if (last >= table.size()) {
      throw Error(WHARF_ERR_INTERNAL, "position " + std::to_string(pos) + " has no KV block");
    }
    for (size_t b = 0; b <= last; ++b) {
      if (table[b] < 0 || static_cast<size_t>(table[b]) >= kv_blocks)
        throw Error(WHARF_ERR_INTERNAL, "KV block id out of range");
    }
    d.token_ids[t] = tok;
    d.positions[t] = pos;
    d.sequence_of[t] = seq;
    d.slots[t] = static_cast<int64_t>(table[last]) * static_cast<int64_t>(kKvBlockSize) +
                 static_cast<int64_t>(static_cast<size_t>(pos) % kKvBlockSize);
    d.max_position = std::max(d.max_position, pos);
  }
  for (int32_t row : batch.logit_rows) {
    if (row < 0 || static_cast<size_t>(row) >= d.tokens)
      throw Error(WHARF_ERR_INTERNAL, "logit row out of range");
  }
  d.logit_rows = batch.logit_rows;
  return d;
}

}  // namespace wharf::engine::cuda

// A ForwardBatch flattened into the arrays the device kernels read, built on the host and copied
// to the device in one transfer per step (or into a CUDA graph's static buffers):
//  - per token: token id, position, its sequence's row in the block tables, and the KV slot it
//    writes (block id x 16 + position % 16; -1 for a padding row, which writes nothing);
//  - the block tables as one [sequences x max_blocks] matrix, rows padded with 0 (never read:
//    attention reads only the blocks below a token's position);
//  - the logit rows.
// Validated here, so that a kernel never indexes out of the cache: every block a token reads or
// writes exists in the table and is below the cache's block count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/sched/forward_batch.hpp"

namespace wharf::engine::cuda {

struct DeviceBatch {
  size_t tokens = 0;      // real tokens
  size_t padded = 0;      // rows the kernels run (>= tokens: a graph's batch size)
  size_t sequences = 0;   // rows of block_tables
  size_t max_blocks = 0;  // columns of block_tables
  std::vector<int32_t> token_ids, positions, sequence_of;  // padded
  std::vector<int64_t> slots;                              // padded; -1 for padding rows
  std::vector<int32_t> block_tables;                       // sequences x max_blocks
  std::vector<int32_t> logit_rows;
  int32_t max_position = 0;  // the largest position in the batch (attention's longest context)
};

// `padded` 0 means no padding. Throws wharf::Error (INTERNAL) for a batch that would read or
// write outside the cache, INVALID_ARGUMENT for a token id outside [0, vocab).
DeviceBatch packDeviceBatch(const ForwardBatch& batch, size_t kv_blocks, int64_t vocab,
                            size_t padded = 0);

}  // namespace wharf::engine::cuda

// CUDA graphs for decode: one graph is captured per batch size in graphCaptureSizes() (vLLM's
// list: 1, 2, 4, then every multiple of 8, up to max_num_seqs, which is always included), and a
// decode step of n sequences replays the smallest graph of at least n, its extra rows padded
// (padding rows write no KV slot and their logits are dropped). Prefill steps, and decode batches
// above the largest size, run eagerly.
#pragma once

#include <vector>

namespace wharf::engine::cuda {

// Ascending; at most `limit` (the largest graph worth its memory), at least {1}.
std::vector<int> graphCaptureSizes(int max_num_seqs, int limit = 512);

// The captured size a decode step of n sequences replays, or 0 to run it eagerly.
int graphBatchFor(const std::vector<int>& sizes, int n);

}  // namespace wharf::engine::cuda

// How a llama-family model splits over `size` tensor-parallel ranks, Megatron-style:
//  - attention: q/k/v are column-parallel (each rank computes its own heads), o_proj is
//    row-parallel (each rank multiplies its heads' slice of the inputs; the partial sums are
//    all-reduced);
//  - MLP: gate/up column-parallel over the intermediate width, down_proj row-parallel, one
//    all-reduce;
//  - embedding and LM head vocab-parallel: each rank holds a contiguous slice of the vocabulary;
//    an embedding row outside it contributes zeros to an all-reduce, the LM head's logit slices are
//    all-gathered.
// The KV heads are split with the query heads that use them; when there are fewer KV heads than
// ranks, each KV head is replicated on size / head_count_kv ranks (vLLM's rule). Shapes that do
// not split are refused by name.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/llama_weights.hpp"
#include "engine/model/model_config.hpp"

namespace wharf::engine {

struct TensorParallelPlan {
  int size = 1;
  int64_t heads = 0;        // query heads per rank
  int64_t kv_heads = 0;     // KV heads each rank holds
  int64_t kv_replicas = 1;  // ranks holding the same KV head (> 1 when size > head_count_kv)
  int64_t ff = 0;           // MLP intermediate width per rank
  int64_t head_dim = 0;
  std::vector<int64_t> vocab_begin;  // per rank, and one past the last: vocab_begin[size] = vocab

  // Throws wharf::Error (INVALID_ARGUMENT) naming the dimension that `size` does not split.
  static TensorParallelPlan make(const ModelConfig& config, int size);

  int64_t headBegin(int rank) const { return rank * heads; }
  int64_t kvHeadBegin(int rank) const {
    return kv_replicas > 1 ? rank / kv_replicas : rank * kv_heads;
  }
  int64_t vocabCount(int rank) const {
    return vocab_begin[static_cast<size_t>(rank) + 1] - vocab_begin[static_cast<size_t>(rank)];
  }
  // The config a rank computes with: its heads, KV heads and MLP width (the vocabulary and the
  // embedding width stay whole).
  ModelConfig rankConfig(const ModelConfig& config) const;
  // Rank `rank`'s views into `weights` (no copies of the matrices; the slices of biases are
  // copied). Row-parallel slices must start and end on the weight type's blocks; quant backend
  // layers are not sharded (refused).
  LlamaWeights shard(const LlamaWeights& weights, int rank) const;
};

}  // namespace wharf::engine

#include "engine/parallel/tensor_parallel_plan.hpp"

#include <algorithm>
#include <string>

#include "engine/model/ggml_type.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void refuse(int size, const std::string& what) {
  throw Error(WHARF_ERR_INVALID_ARGUMENT,
              "tensor_parallel_size " + std::to_string(size) + " does not split " + what);
}

// Output features [begin, begin + count) of `m` (whole rows).
WeightMatrix rows(const WeightMatrix& m, int64_t begin, int64_t count) {
  WeightMatrix s = m;
  s.data = m.data + static_cast<size_t>(begin) * m.row_bytes;
  s.rows = count;
  return s;
}

// Inputs [begin, begin + count) of every row of `m`; the row stride stays the full row's.
WeightMatrix columns(const WeightMatrix& m, int64_t begin, int64_t count, const char* name,
                     int size) {
  const GgmlTypeInfo& info = typeInfo(m.type);
  const int64_t block = static_cast<int64_t>(info.block_elements);
  if (begin % block != 0 || count % block != 0) {
    refuse(size, std::string(name) + ": its " + std::to_string(count) +
                     " inputs per rank are not whole " + info.name + " blocks of " +
                     std::to_string(block));
  }
  WeightMatrix s = m;
  s.data = m.data + static_cast<size_t>(begin / block) * info.block_bytes;
  s.cols = count;
  return s;
}

std::vector<float> slice(const std::vector<float>& v, int64_t begin, int64_t count) {
  if (v.empty()) return v;
  return {v.begin() + begin, v.begin() + begin + count};
}

void requireDense(const WeightMatrix& m) {
  if (m.quant) {
    throw Error(WHARF_ERR_UNSUPPORTED,
                "tensor parallelism does not shard quant backend layers yet: serve the "
                "quantized checkpoint with tensor_parallel_size = 1");
  }
}

}  // namespace

TensorParallelPlan TensorParallelPlan::make(const ModelConfig& c, int size) {
  if (size < 1) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "tensor_parallel_size must be at least 1");
  }
  TensorParallelPlan p;
  p.size = size;
  p.head_dim = c.head_dim;
  if (c.head_count % size != 0)
    refuse(size, "the model's " + std::to_string(c.head_count) + " attention heads");
  p.heads = c.head_count / size;
  if (c.head_count_kv >= size) {
    if (c.head_count_kv % size != 0)
      refuse(size, "the model's " + std::to_string(c.head_count_kv) + " KV heads");
    p.kv_heads = c.head_count_kv / size;
  } else {
    if (size % c.head_count_kv != 0) {
      refuse(size, "the model's " + std::to_string(c.head_count_kv) +
                       " KV heads (fewer than the ranks, and not a divisor of them)");
    }
    p.kv_heads = 1;
    p.kv_replicas = size / c.head_count_kv;
  }
  if (c.feed_forward_length % size != 0)
    refuse(size, "the model's MLP width " + std::to_string(c.feed_forward_length));
  p.ff = c.feed_forward_length / size;
  if (c.vocab_size < size)
    refuse(size, "a vocabulary of " + std::to_string(c.vocab_size) + " tokens");
  const int64_t per_rank = (c.vocab_size + size - 1) / size;
  for (int r = 0; r <= size; ++r) p.vocab_begin.push_back(std::min(c.vocab_size, r * per_rank));
  return p;
}

ModelConfig TensorParallelPlan::rankConfig(const ModelConfig& config) const {
  ModelConfig c = config;
  c.head_count = heads;
  c.head_count_kv = kv_heads;
  c.feed_forward_length = ff;
  return c;
}

LlamaWeights TensorParallelPlan::shard(const LlamaWeights& w, int rank) const {
  LlamaWeights s;
  const int64_t vb = vocab_begin[static_cast<size_t>(rank)], vn = vocabCount(rank);
  requireDense(w.token_embd);
  requireDense(w.output);
  s.token_embd = rows(w.token_embd, vb, vn);
  s.output = rows(w.output, vb, vn);
  s.output_norm = w.output_norm;
  s.rope_freq_factors = w.rope_freq_factors;
  const int64_t q0 = headBegin(rank) * head_dim, qn = heads * head_dim;
  const int64_t k0 = kvHeadBegin(rank) * head_dim, kn = kv_heads * head_dim;
  const int64_t f0 = rank * ff;
  for (const LayerWeights& l : w.layers) {
    for (const WeightMatrix* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
      requireDense(*m);
    LayerWeights r;
    r.attn_norm = l.attn_norm;
    r.ffn_norm = l.ffn_norm;
    r.q = rows(l.q, q0, qn);
    r.k = rows(l.k, k0, kn);
    r.v = rows(l.v, k0, kn);
    r.o = columns(l.o, q0, qn, "o_proj (attn_output)", size);
    r.q_bias = slice(l.q_bias, q0, qn);
    r.k_bias = slice(l.k_bias, k0, kn);
    r.v_bias = slice(l.v_bias, k0, kn);
    r.gate = rows(l.gate, f0, ff);
    r.up = rows(l.up, f0, ff);
    r.down = columns(l.down, f0, ff, "down_proj (ffn_down)", size);
    s.layers.push_back(std::move(r));
  }
  return s;
}

}  // namespace wharf::engine

#include "engine/model/llama_weights.hpp"

#include "engine/model/quant_blocks.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void badShape(const GgufFile& g, const GgufTensorInfo& t, const std::string& want) {
  std::string dims;
  for (uint64_t d : t.dims) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
  throw Error(WHARF_ERR_DATA, "model '" + g.name() + "': tensor '" + t.name + "' is [" + dims +
                                  "], expected " + want);
}

WeightMatrix matrix(const GgufFile& g, const std::string& name, int64_t rows, int64_t cols) {
  const GgufTensorInfo& t = g.requireTensor(name);
  if (t.dims.size() != 2 || static_cast<int64_t>(t.dims[0]) != cols ||
      static_cast<int64_t>(t.dims[1]) != rows) {
    badShape(g, t, std::to_string(rows) + " rows of " + std::to_string(cols));
  }
  const GgmlTypeInfo& info = typeInfo(t.type);
  WeightMatrix m;
  m.type = t.type;
  m.data = t.data;
  m.rows = rows;
  m.cols = cols;
  m.row_bytes = static_cast<size_t>(cols) / info.block_elements * info.block_bytes;
  return m;
}

std::vector<float> vectorOf(const GgufFile& g, const std::string& name, int64_t n) {
  const GgufTensorInfo& t = g.requireTensor(name);
  if (static_cast<int64_t>(t.elements()) != n) badShape(g, t, std::to_string(n) + " elements");
  std::vector<float> out(static_cast<size_t>(n));
  dequantizeRow(t.type, t.data, out.data(), out.size());
  return out;
}

std::vector<float> optionalVector(const GgufFile& g, const std::string& name, int64_t n) {
  if (!g.findTensor(name)) return {};
  return vectorOf(g, name, n);
}

}  // namespace

LlamaWeights LlamaWeights::load(const GgufFile& g, const ModelConfig& c) {
  LlamaWeights w;
  const int64_t d = c.embedding_length, q_dim = c.head_count * c.head_dim, kv = c.kvDim();
  w.token_embd = matrix(g, "token_embd.weight", c.vocab_size, d);
  w.output = c.tied_embeddings ? w.token_embd : matrix(g, "output.weight", c.vocab_size, d);
  w.output_norm = vectorOf(g, "output_norm.weight", d);
  w.rope_freq_factors = optionalVector(g, "rope_freqs.weight", c.rope_dim / 2);
  for (int64_t i = 0; i < c.block_count; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = vectorOf(g, p + "attn_norm.weight", d);
    l.ffn_norm = vectorOf(g, p + "ffn_norm.weight", d);
    l.q = matrix(g, p + "attn_q.weight", q_dim, d);
    l.k = matrix(g, p + "attn_k.weight", kv, d);
    l.v = matrix(g, p + "attn_v.weight", kv, d);
    l.o = matrix(g, p + "attn_output.weight", d, q_dim);
    l.q_bias = optionalVector(g, p + "attn_q.bias", q_dim);
    l.k_bias = optionalVector(g, p + "attn_k.bias", kv);
    l.v_bias = optionalVector(g, p + "attn_v.bias", kv);
    l.gate = matrix(g, p + "ffn_gate.weight", c.feed_forward_length, d);
    l.up = matrix(g, p + "ffn_up.weight", c.feed_forward_length, d);
    l.down = matrix(g, p + "ffn_down.weight", d, c.feed_forward_length);
    w.layers.push_back(std::move(l));
  }
  return w;
}

uint64_t LlamaWeights::bytes() const {
  auto matrix = [](const WeightMatrix& m) {
    if (m.quant) return m.quant->info().device_bytes;
    if (!m.data) return uint64_t{0};
    // The bytes of the columns read: a tensor-parallel shard's rows are slices of longer rows.
    const GgmlTypeInfo& info = typeInfo(m.type);
    return static_cast<uint64_t>(m.rows) * static_cast<uint64_t>(m.cols) / info.block_elements *
           info.block_bytes;
  };
  auto floats = [](const std::vector<float>& v) { return uint64_t{v.size()} * sizeof(float); };
  uint64_t total = matrix(token_embd) + floats(output_norm) + floats(rope_freq_factors);
  if (output.data != token_embd.data) total += matrix(output);
  for (const LayerWeights& l : layers) {
    for (const WeightMatrix* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
      total += matrix(*m);
    for (const std::vector<float>* v : {&l.attn_norm, &l.ffn_norm, &l.q_bias, &l.k_bias, &l.v_bias})
      total += floats(*v);
  }
  return total;
}

}  // namespace wharf::engine

// Small synthetic llama-family models for the CPU runner's tests: random weights of a given shape
// written as GGUF in any supported weight type, with the weights as the runner sees them
// (dequantized) for double-precision references.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/model/quant_blocks.hpp"
#include "gguf_builder.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine {

struct SyntheticShape {
  int embd = 64, heads = 4, kv_heads = 2, head_dim = 16, ff = 96, layers = 2, vocab = 80;
};

// What else the file holds.
struct SyntheticExtras {
  // tokenizer.ggml.model of the vocabulary written with the model ("" for none): "gpt2" gives
  // byte-level tokens (the printable bytes from '!', then "<s>" and "</s>" as control tokens, and
  // merges of neighbouring letters), "llama" a SentencePiece-style list.
  std::string tokenizer = "gpt2";
  // Called on the builder before the file is built (extra keys or tensors).
  std::function<void(test::GgufBuilder&)> extra;
};

// A byte-level vocabulary of `vocab` tokens for tokenizer.ggml.*.
inline void addSyntheticVocabulary(test::GgufBuilder& b, const std::string& model, int vocab) {
  b.kvString("tokenizer.ggml.model", model);
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int i = 0; i < vocab - 2; ++i) {
    tokens.push_back(model == "llama" ? "\xe2\x96\x81" + std::to_string(i)
                                      : std::string(1, static_cast<char>('!' + i)));
    types.push_back(1);
  }
  tokens.insert(tokens.end(), {"<s>", "</s>"});
  types.insert(types.end(), {3, 3});
  b.kvStrings("tokenizer.ggml.tokens", tokens);
  b.kvArray<int32_t>("tokenizer.ggml.token_type", 5, types);
  if (model == "llama")
    b.kvArray<float>("tokenizer.ggml.scores", 6, std::vector<float>(tokens.size(), 0.0f));
  b.kvStrings("tokenizer.ggml.merges", {"a b", "c d", "ab cd"});
  b.kv<uint32_t>("tokenizer.ggml.bos_token_id", 4, static_cast<uint32_t>(vocab - 2));
  b.kv<uint32_t>("tokenizer.ggml.eos_token_id", 4, static_cast<uint32_t>(vocab - 1));
}

using Matrix = std::vector<double>;  // rows x cols, row-major

struct Synthetic {
  std::vector<uint8_t> file;
  // The weights exactly as the runner sees them (dequantized).
  Matrix embd, output;
  std::vector<double> output_norm;
  struct Layer {
    std::vector<double> attn_norm, ffn_norm, bq, bk, bv;
    Matrix q, k, v, o, gate, up, down;
  };
  std::vector<Layer> layers;
};

// Encodes rows x cols floats as `type`, returns the bytes and the dequantized values.
inline std::vector<uint8_t> encode(GgmlType type, const std::vector<float>& w, size_t cols,
                                   Matrix& exact) {
  size_t rows = w.size() / cols;
  const GgmlTypeInfo& info = typeInfo(type);
  size_t row_bytes = cols / info.block_elements * info.block_bytes;
  std::vector<uint8_t> out(rows * row_bytes);
  for (size_t r = 0; r < rows; ++r) {
    const float* src = w.data() + r * cols;
    uint8_t* dst = out.data() + r * row_bytes;
    switch (type) {
      case GgmlType::F32:
        std::memcpy(dst, src, cols * 4);
        break;
      case GgmlType::F16:
        for (size_t i = 0; i < cols; ++i) {
          uint16_t h = floatToFp16(src[i]);
          std::memcpy(dst + 2 * i, &h, 2);
        }
        break;
      case GgmlType::BF16:
        for (size_t i = 0; i < cols; ++i) {
          uint32_t bits;
          std::memcpy(&bits, &src[i], 4);
          uint16_t h = static_cast<uint16_t>(bits >> 16);
          std::memcpy(dst + 2 * i, &h, 2);
        }
        break;
      case GgmlType::Q4_0:
        quantizeRowQ4_0(src, dst, cols);
        break;
      case GgmlType::Q4_1:
        quantizeRowQ4_1(src, dst, cols);
        break;
      case GgmlType::Q8_0:
        quantizeRowQ8_0(src, dst, cols);
        break;
    }
  }
  exact.resize(rows * cols);
  std::vector<float> row(cols);
  for (size_t r = 0; r < rows; ++r) {
    dequantizeRow(type, out.data() + r * row_bytes, row.data(), cols);
    for (size_t i = 0; i < cols; ++i) exact[r * cols + i] = row[i];
  }
  return out;
}

inline Synthetic makeModel(const std::string& arch, GgmlType type, bool tied, uint32_t seed,
                           uint32_t sliding_window = 0, const SyntheticShape& s = {},
                           const SyntheticExtras& extras = {}) {
  const int kEmbd = s.embd, kHeads = s.heads, kKvHeads = s.kv_heads, kHeadDim = s.head_dim,
            kFf = s.ff, kLayers = s.layers, kVocab = s.vocab;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto random = [&](size_t n, float scale) {
    std::vector<float> v(n);
    for (float& x : v) x = normal(rng) * scale;
    return v;
  };
  Synthetic m;
  test::GgufBuilder b;
  b.kvString("general.architecture", arch);
  const std::string p = arch + ".";
  b.kv<uint32_t>(p + "context_length", 4, 256);
  if (sliding_window) b.kv<uint32_t>(p + "attention.sliding_window", 4, sliding_window);
  b.kv<uint32_t>(p + "embedding_length", 4, kEmbd);
  b.kv<uint32_t>(p + "block_count", 4, kLayers);
  b.kv<uint32_t>(p + "feed_forward_length", 4, kFf);
  b.kv<uint32_t>(p + "attention.head_count", 4, kHeads);
  b.kv<uint32_t>(p + "attention.head_count_kv", 4, kKvHeads);
  b.kv<float>(p + "attention.layer_norm_rms_epsilon", 6, 1e-5f);
  b.kv<float>(p + "rope.freq_base", 6, 10000.0f);

  auto matrix = [&](const std::string& name, size_t rows, size_t cols, float scale, Matrix& exact) {
    auto bytes = encode(type, random(rows * cols, scale), cols, exact);
    b.tensor(name, {cols, rows}, static_cast<uint32_t>(type), bytes);
  };
  auto vec = [&](const std::string& name, size_t n, float center, float scale) {
    std::vector<float> v = random(n, scale);
    for (float& x : v) x += center;
    std::vector<uint8_t> bytes(n * 4);
    std::memcpy(bytes.data(), v.data(), n * 4);
    b.tensor(name, {n}, 0, bytes);
    return std::vector<double>(v.begin(), v.end());
  };
  matrix("token_embd.weight", kVocab, kEmbd, 1.0f, m.embd);
  m.output_norm = vec("output_norm.weight", kEmbd, 1.0f, 0.1f);
  if (tied) {
    m.output = m.embd;
  } else {
    matrix("output.weight", kVocab, kEmbd, 0.2f, m.output);
  }
  const int q_dim = kHeads * kHeadDim, kv_dim = kKvHeads * kHeadDim;
  for (int l = 0; l < kLayers; ++l) {
    Synthetic::Layer L;
    const std::string n = "blk." + std::to_string(l) + ".";
    L.attn_norm = vec(n + "attn_norm.weight", kEmbd, 1.0f, 0.1f);
    L.ffn_norm = vec(n + "ffn_norm.weight", kEmbd, 1.0f, 0.1f);
    matrix(n + "attn_q.weight", q_dim, kEmbd, 0.3f, L.q);
    matrix(n + "attn_k.weight", kv_dim, kEmbd, 0.3f, L.k);
    matrix(n + "attn_v.weight", kv_dim, kEmbd, 0.3f, L.v);
    matrix(n + "attn_output.weight", kEmbd, q_dim, 0.2f, L.o);
    matrix(n + "ffn_gate.weight", kFf, kEmbd, 0.2f, L.gate);
    matrix(n + "ffn_up.weight", kFf, kEmbd, 0.2f, L.up);
    matrix(n + "ffn_down.weight", kEmbd, kFf, 0.2f, L.down);
    if (arch == "qwen2") {
      L.bq = vec(n + "attn_q.bias", q_dim, 0.0f, 0.2f);
      L.bk = vec(n + "attn_k.bias", kv_dim, 0.0f, 0.2f);
      L.bv = vec(n + "attn_v.bias", kv_dim, 0.0f, 0.2f);
    }
    m.layers.push_back(std::move(L));
  }
  if (!extras.tokenizer.empty()) addSyntheticVocabulary(b, extras.tokenizer, kVocab);
  if (extras.extra) extras.extra(b);
  m.file = b.build();
  return m;
}
}  // namespace wharf::engine

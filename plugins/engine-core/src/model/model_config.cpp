#include "engine/model/model_config.hpp"

#include <cmath>

#include "engine/model/gguf.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void invalid(const GgufFile& g, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "model '" + g.name() + "': " + what);
}

int64_t positive(const GgufFile& g, const std::string& key) {
  int64_t v = g.requireInt(key);
  if (v <= 0) invalid(g, key + " must be positive");
  return v;
}

}  // namespace

ModelConfig readModelConfig(const GgufFile& g) {
  ModelConfig c;
  c.architecture = g.requireString("general.architecture");
  if (c.architecture != "llama" && c.architecture != "mistral" && c.architecture != "qwen2") {
    throw Error(WHARF_ERR_UNSUPPORTED, "model '" + g.name() + "': architecture '" + c.architecture +
                                           "' is not supported (llama, mistral, qwen2)");
  }
  const std::string p = c.architecture + ".";
  c.name = g.stringValue("general.name").value_or("");
  c.context_length = positive(g, p + "context_length");
  c.embedding_length = positive(g, p + "embedding_length");
  c.block_count = positive(g, p + "block_count");
  c.feed_forward_length = positive(g, p + "feed_forward_length");
  c.head_count = positive(g, p + "attention.head_count");
  c.head_count_kv = g.intValue(p + "attention.head_count_kv").value_or(c.head_count);
  if (c.head_count_kv <= 0 || c.head_count % c.head_count_kv != 0) {
    invalid(g, "attention.head_count must be a multiple of attention.head_count_kv");
  }
  if (c.embedding_length % c.head_count != 0) {
    invalid(g, "embedding_length is not a multiple of attention.head_count");
  }
  c.head_dim = g.intValue(p + "attention.key_length").value_or(c.embedding_length / c.head_count);
  c.rope_dim = g.intValue(p + "rope.dimension_count").value_or(c.head_dim);
  if (c.head_dim % 2 != 0 || c.rope_dim % 2 != 0 || c.rope_dim > c.head_dim) {
    invalid(g, "head and rope dimensions must be even, rope.dimension_count <= head size");
  }
  c.rms_eps = g.floatValue(p + "attention.layer_norm_rms_epsilon").value_or(1e-5);
  c.rope_freq_base = g.floatValue(p + "rope.freq_base").value_or(10000.0);
  c.rope_style = c.architecture == "qwen2" ? RopeStyle::Neox : RopeStyle::Interleaved;

  std::string scaling = g.stringValue(p + "rope.scaling.type").value_or("none");
  double factor = g.floatValue(p + "rope.scaling.factor").value_or(1.0);
  if (auto linear = g.floatValue(p + "rope.scale_linear")) {
    scaling = "linear";
    factor = *linear;
  }
  if (scaling == "linear") {
    if (factor <= 0) invalid(g, "rope scaling factor must be positive");
    c.rope_scaling = RopeScaling::Linear;
    c.rope_scaling_factor = factor;
  } else if (scaling != "none") {
    throw Error(WHARF_ERR_UNSUPPORTED,
                "model '" + g.name() + "': rope scaling '" + scaling + "' is not supported");
  }

  const GgufTensorInfo& embd = g.requireTensor("token_embd.weight");
  if (embd.dims.size() != 2 || static_cast<int64_t>(embd.dims[0]) != c.embedding_length) {
    invalid(g, "token_embd.weight shape does not match embedding_length");
  }
  int64_t rows = static_cast<int64_t>(embd.dims[1]);
  c.vocab_size = g.intValue(p + "vocab_size").value_or(rows);
  if (c.vocab_size != rows) invalid(g, "vocab_size does not match token_embd.weight");
  size_t tokens = g.stringArray("tokenizer.ggml.tokens").size();
  if (tokens != 0 && static_cast<int64_t>(tokens) > c.vocab_size) {
    invalid(g, "the tokenizer has more tokens than the embedding has rows");
  }
  c.tied_embeddings = g.findTensor("output.weight") == nullptr;
  c.attention_bias = g.findTensor("blk.0.attn_q.bias") != nullptr;
  c.sliding_window = g.intValue(p + "attention.sliding_window").value_or(0);
  if (c.sliding_window < 0) invalid(g, "attention.sliding_window must not be negative");
  return c;
}

std::vector<double> ropeInverseFrequencies(const ModelConfig& c,
                                           const std::vector<float>& freq_factors) {
  const size_t pairs = static_cast<size_t>(c.rope_dim / 2);
  std::vector<double> out(pairs);
  const double pi = std::acos(-1.0);
  for (size_t i = 0; i < pairs; ++i) {
    double f =
        std::pow(c.rope_freq_base, -2.0 * static_cast<double>(i) / static_cast<double>(c.rope_dim));
    if (i < freq_factors.size()) f /= freq_factors[i];
    if (c.rope_scaling == RopeScaling::Linear) {
      f /= c.rope_scaling_factor;
    } else if (c.rope_scaling == RopeScaling::Llama3) {
      const double original = static_cast<double>(c.rope_original_context);
      const double wavelength = 2 * pi / f;
      if (wavelength > original / c.rope_low_freq_factor) {
        f /= c.rope_scaling_factor;
      } else if (wavelength >= original / c.rope_high_freq_factor) {
        const double smooth = (original / wavelength - c.rope_low_freq_factor) /
                              (c.rope_high_freq_factor - c.rope_low_freq_factor);
        f = (1 - smooth) * f / c.rope_scaling_factor + smooth * f;
      }
    }
    out[i] = f;
  }
  return out;
}

}  // namespace wharf::engine

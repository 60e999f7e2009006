#include "engine/model/gguf_to_hf.hpp"

#include <map>
#include <vector>

#include "engine/json.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/json_file.hpp"
#include "engine/model/model_config.hpp"
#include "engine/model/quant_blocks.hpp"
#include "engine/model/safetensors_writer.hpp"
#include "engine/text/hf_tokenizer_writer.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void unsupported(const GgufFile& g, const std::string& what) {
  throw Error(WHARF_ERR_UNSUPPORTED, "'" + g.name() + "': " + what);
}

// The HF name of a GGUF tensor, e.g. blk.3.attn_q.weight -> model.layers.3.self_attn.q_proj.weight.
std::string hfName(const GgufFile& g, const std::string& name) {
  static const std::map<std::string, std::string, std::less<>> kTop = {
      {"token_embd", "model.embed_tokens"}, {"output_norm", "model.norm"}, {"output", "lm_head"}};
  static const std::map<std::string, std::string, std::less<>> kLayer = {
      {"attn_norm", "input_layernorm"}, {"ffn_norm", "post_attention_layernorm"},
      {"attn_q", "self_attn.q_proj"},   {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},   {"attn_output", "self_attn.o_proj"},
      {"ffn_gate", "mlp.gate_proj"},    {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"}};
  const size_t dot = name.rfind('.');
  const std::string base = name.substr(0, dot),
                    kind = dot == std::string::npos ? "" : name.substr(dot + 1);
  if (kind == "weight" || kind == "bias") {
    if (auto it = kTop.find(base); it != kTop.end()) return it->second + "." + kind;
    if (base.rfind("blk.", 0) == 0) {
      const size_t second = base.find('.', 4);
      if (second != std::string::npos) {
        const std::string layer = base.substr(4, second - 4);
        if (auto it = kLayer.find(base.substr(second + 1));
            it != kLayer.end() && !layer.empty() &&
            layer.find_first_not_of("0123456789") == std::string::npos)
          return "model.layers." + layer + "." + it->second + "." + kind;
      }
    }
  }
  unsupported(g, "tensor '" + name + "' has no Hugging Face name");
}

// llama.cpp's conversion interleaves each q/k head's rows for its RoPE ((2i, 2i+1) pairs); HF
// keeps rotate-half order ((i, i + d/2)). Row j = 2i + h of a head (h in {0, 1}) goes back to
// h * d/2 + i.
std::vector<float> unpermuteRows(const std::vector<float>& w, int64_t heads, int64_t rows,
                                 int64_t cols) {
  std::vector<float> out(w.size());
  const int64_t per_head = rows / heads, half = per_head / 2;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < half; ++i)
      for (int64_t p = 0; p < 2; ++p) {
        const int64_t from = h * per_head + 2 * i + p, to = h * per_head + p * half + i;
        std::copy_n(w.begin() + from * cols, cols, out.begin() + to * cols);
      }
  return out;
}

JsonDocument configJson(const GgufFile& g, const ModelConfig& c, int64_t bos, int64_t eos) {
  static const std::map<std::string, std::string, std::less<>> kClass = {
      {"llama", "LlamaForCausalLM"},
      {"mistral", "MistralForCausalLM"},
      {"qwen2", "Qwen2ForCausalLM"}};
  const auto cls = kClass.find(c.architecture);
  if (cls == kClass.end()) unsupported(g, "architecture '" + c.architecture + "'");
  if (c.rope_dim != c.head_dim)
    unsupported(g, "rope.dimension_count " + std::to_string(c.rope_dim) + " < head size " +
                       std::to_string(c.head_dim) + " (partial rotary) has no config.json form");
  JsonDocument j = {{"architectures", {cls->second}},
                    {"model_type", c.architecture},
                    {"hidden_size", c.embedding_length},
                    {"intermediate_size", c.feed_forward_length},
                    {"num_hidden_layers", c.block_count},
                    {"num_attention_heads", c.head_count},
                    {"num_key_value_heads", c.head_count_kv},
                    {"head_dim", c.head_dim},
                    {"max_position_embeddings", c.context_length},
                    {"vocab_size", c.vocab_size},
                    {"rms_norm_eps", c.rms_eps},
                    {"rope_theta", c.rope_freq_base},
                    {"rope_scaling", nullptr},
                    {"tie_word_embeddings", c.tied_embeddings},
                    {"attention_bias", c.attention_bias},
                    {"hidden_act", "silu"},
                    {"torch_dtype", "float16"}};
  if (c.rope_scaling == RopeScaling::Linear)
    j["rope_scaling"] = {{"type", "linear"}, {"factor", c.rope_scaling_factor}};
  if (c.architecture == "qwen2") j["use_sliding_window"] = false;
  if (c.sliding_window > 0) j["sliding_window"] = c.sliding_window;
  if (!c.name.empty()) j["_name_or_path"] = c.name;
  if (bos >= 0) j["bos_token_id"] = bos;
  if (eos >= 0) j["eos_token_id"] = eos;
  return j;
}

}  // namespace

void writeHfDirectory(const GgufFile& g, const std::string& dir,
                      const std::function<bool()>& stopping) {
  const ModelConfig c = readModelConfig(g);
  if (g.findTensor("rope_freqs.weight"))
    unsupported(g, "rope_freqs.weight (per-frequency RoPE factors) has no config.json form");
  writeHfTokenizerFiles(g, dir);  // first: it refuses SentencePiece vocabularies before any work
  const JsonDocument config =
      configJson(g, c, g.intValue("tokenizer.ggml.bos_token_id").value_or(-1),
                 g.intValue("tokenizer.ggml.eos_token_id").value_or(-1));
  // Every tensor is named and readable before any weight is written.
  std::vector<std::string> names;
  for (const GgufTensorInfo& t : g.tensors()) {
    names.push_back(hfName(g, t.name));
    if (!isSupported(static_cast<uint32_t>(t.type)))
      unsupported(g, "tensor '" + t.name + "' is " + typeName(static_cast<uint32_t>(t.type)));
  }
  const bool interleaved = c.rope_style == RopeStyle::Interleaved;
  SafetensorsWriter writer(dir + "/model.safetensors");
  std::vector<uint16_t> half;
  for (size_t ti = 0; ti < g.tensors().size(); ++ti) {
    if (stopping && stopping()) throw Error(WHARF_ERR_CANCELLED, "interrupted");
    const GgufTensorInfo& t = g.tensors()[ti];
    const std::string& name = names[ti];
    std::vector<float> w(t.elements());
    dequantizeRow(t.type, t.data, w.data(), w.size());
    const int64_t cols = t.dims.empty() ? 1 : static_cast<int64_t>(t.dims[0]);
    const int64_t rows = static_cast<int64_t>(t.rows());
    const bool q = t.name.find(".attn_q.") != std::string::npos,
               k = t.name.find(".attn_k.") != std::string::npos;
    if (interleaved && (q || k)) {
      // A bias is one value per row: the same permutation with one column.
      const int64_t heads = q ? c.head_count : c.head_count_kv;
      const int64_t n = t.dims.size() == 1 ? static_cast<int64_t>(t.dims[0]) : rows;
      w = unpermuteRows(w, heads, n, t.dims.size() == 1 ? 1 : cols);
    }
    half.resize(w.size());
    for (size_t i = 0; i < w.size(); ++i) half[i] = floatToFp16(w[i]);
    std::vector<int64_t> shape;
    for (auto it = t.dims.rbegin(); it != t.dims.rend(); ++it)
      shape.push_back(static_cast<int64_t>(*it));
    writer.add(name, "F16", shape, half.data(), half.size() * sizeof(uint16_t));
  }
  writer.finish({{"format", "pt"}});
  writeTextFile(dir + "/config.json", config.dump(2) + "\n");
}

}  // namespace wharf::engine

#include "engine/model/hf_checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/model/hf_config.hpp"
#include "engine/model/json_file.hpp"
#include "engine/model/quant_blocks.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

// The wharf_dtype of a safetensors dtype name; throws UNSUPPORTED naming the tensor otherwise.
wharf_dtype wharfDtype(const SafetensorsTensor& t, const SafetensorsFile& f) {
  static const std::pair<const char*, wharf_dtype> kDtypes[] = {
      {"F32", WHARF_DTYPE_F32}, {"F16", WHARF_DTYPE_F16}, {"BF16", WHARF_DTYPE_BF16},
      {"I32", WHARF_DTYPE_I32}, {"I16", WHARF_DTYPE_I16}, {"I8", WHARF_DTYPE_I8},
      {"U8", WHARF_DTYPE_U8}};
  for (const auto& [name, dtype] : kDtypes)
    if (t.dtype == name) return dtype;
  throw Error(WHARF_ERR_UNSUPPORTED, "safetensors file '" + f.name() + "': tensor '" + t.name +
                                         "' has dtype " + t.dtype +
                                         ", which no quant backend reads");
}

class TensorIndex {
 public:
  TensorIndex(HfCheckpoint& c, const QuantLoad* quant) : c_(c), quant_(quant) {
    for (const SafetensorsFile& f : c.shards) {
      for (const auto& [name, t] : f.tensors()) where_.emplace(name, &f);
    }
    if (quant_) suffixes_ = quant_->backend.tensorSuffixes(quant_->config.json);
  }

  // A linear layer `prefix` (e.g. model.layers.0.self_attn.q_proj) of rows x cols: through the
  // quant backend when its first tensor is there, else `prefix.weight`.
  WeightMatrix linear(const std::string& prefix, int64_t rows, int64_t cols) {
    if (!quantized(prefix)) {
      if (!suffixes_.empty() && !find(prefix + ".weight")) {
        throw Error(WHARF_ERR_NOT_FOUND, "model '" + c_.dir + "': neither '" + prefix + "." +
                                             suffixes_[0] + "' nor '" + prefix +
                                             ".weight' is in any safetensors file");
      }
      return matrix(prefix + ".weight", rows, cols);
    }
    std::vector<wharf_tensor> tensors;
    for (const std::string& suffix : suffixes_) {
      auto it = where_.find(prefix + "." + suffix);
      if (it == where_.end()) continue;  // the backend names what it misses
      const SafetensorsTensor& t = *it->second->find(it->first);
      if (t.shape.size() > WHARF_TENSOR_MAX_DIMS) {
        throw Error(WHARF_ERR_DATA, "safetensors file '" + it->second->name() + "': tensor '" +
                                        t.name + "' has " + std::to_string(t.shape.size()) +
                                        " dimensions");
      }
      wharf_tensor w{};
      w.name = suffix.c_str();
      w.dtype = wharfDtype(t, *it->second);
      w.device = WHARF_DEVICE_CPU;
      w.ndim = static_cast<int32_t>(t.shape.size());
      for (size_t i = 0; i < t.shape.size(); ++i) w.shape[i] = static_cast<int64_t>(t.shape[i]);
      w.data = t.data;
      tensors.push_back(w);
    }
    std::unique_ptr<QuantLinear> layer;
    try {
      layer = std::make_unique<QuantLinear>(quant_->backend.loadLinear(
          quant_->config.json, tensors, quant_->device, quant_->device_index));
    } catch (const Error& e) {
      throw Error(e.code(), "model '" + c_.dir + "': layer '" + prefix + "': " + e.what());
    }
    const wharf_linear_info& info = layer->info();
    if (info.in_features != cols || info.out_features != rows) {
      throw Error(WHARF_ERR_DATA, "model '" + c_.dir + "': layer '" + prefix + "' is " +
                                      std::to_string(info.out_features) + " x " +
                                      std::to_string(info.in_features) + " (out x in), expected " +
                                      std::to_string(rows) + " x " + std::to_string(cols));
    }
    WeightMatrix m;
    m.rows = rows;
    m.cols = cols;
    m.quant = layer.get();
    c_.quant_layers.push_back(std::move(layer));
    return m;
  }

  bool quantized(const std::string& prefix) const {
    return !suffixes_.empty() && find(prefix + "." + suffixes_[0]);
  }
  bool hasLinear(const std::string& prefix) const {
    return quantized(prefix) || find(prefix + ".weight");
  }

  const SafetensorsTensor* find(const std::string& name) const {
    auto it = where_.find(name);
    return it == where_.end() ? nullptr : it->second->find(name);
  }

  std::pair<const SafetensorsTensor*, const SafetensorsFile*> require(
      const std::string& name) const {
    auto it = where_.find(name);
    if (it == where_.end()) {
      throw Error(WHARF_ERR_NOT_FOUND,
                  "model '" + c_.dir + "': tensor '" + name + "' is in no safetensors file");
    }
    return {it->second->find(name), it->second};
  }

  WeightMatrix matrix(const std::string& name, int64_t rows, int64_t cols) const {
    auto [t, f] = require(name);
    if (t->shape.size() != 2 || static_cast<int64_t>(t->shape[0]) != rows ||
        static_cast<int64_t>(t->shape[1]) != cols) {
      badShape(*t, *f, std::to_string(rows) + " x " + std::to_string(cols));
    }
    WeightMatrix m;
    m.type = t->ggmlType(f->name());
    m.data = t->data;
    m.rows = rows;
    m.cols = cols;
    m.row_bytes = t->bytes / static_cast<size_t>(rows);
    return m;
  }

  std::vector<float> vector(const std::string& name, int64_t n) const {
    auto [t, f] = require(name);
    if (static_cast<int64_t>(t->elements()) != n || t->shape.size() != 1) {
      badShape(*t, *f, "[" + std::to_string(n) + "]");
    }
    std::vector<float> out(static_cast<size_t>(n));
    dequantizeRow(t->ggmlType(f->name()), t->data, out.data(), out.size());
    return out;
  }

  std::vector<float> optionalVector(const std::string& name, int64_t n) const {
    return find(name) ? vector(name, n) : std::vector<float>{};
  }

 private:
  [[noreturn]] static void badShape(const SafetensorsTensor& t, const SafetensorsFile& f,
                                    const std::string& want) {
    std::string dims;
    for (uint64_t d : t.shape) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
    throw Error(WHARF_ERR_DATA, "safetensors file '" + f.name() + "': tensor '" + t.name +
                                    "' is [" + dims + "], expected " + want);
  }

  HfCheckpoint& c_;
  const QuantLoad* quant_;
  std::vector<std::string> suffixes_;  // the backend's tensor suffixes; empty when unquantized
  std::map<std::string, const SafetensorsFile*, std::less<>> where_;
};

std::vector<std::string> shardFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string single = dir + "/model.safetensors";
  const std::string index = dir + "/model.safetensors.index.json";
  if (fs::exists(single)) return {single};
  if (!fs::exists(index)) {
    throw Error(WHARF_ERR_NOT_FOUND, "model '" + dir + "': neither model.safetensors nor " +
                                         "model.safetensors.index.json is there");
  }
  const JsonDocument map = jsonMemberOrNull(readJsonFile(index), "weight_map");
  if (!map.is_object()) throw Error(WHARF_ERR_DATA, "'" + index + "': no weight_map object");
  std::vector<std::string> files;
  for (const auto& [tensor, file] : map.items()) {
    if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
      throw Error(WHARF_ERR_DATA, "'" + index + "': bad file name for tensor '" + tensor + "'");
    }
    const std::string path = dir + "/" + file.get<std::string>();
    if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
  }
  return files;
}

}  // namespace

bool isHfModelDirectory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

std::shared_ptr<const HfCheckpoint> HfCheckpoint::open(const std::string& dir,
                                                       const QuantLoad* quant) {
  auto c = std::make_shared<HfCheckpoint>();
  c->dir = dir;
  c->config = readHfConfig(dir);
  if (quant) c->config.quantization = quant->backend.method();
  for (const std::string& f : shardFiles(dir)) c->shards.push_back(SafetensorsFile::open(f));
  TensorIndex idx(*c, quant);
  const ModelConfig& m = c->config;
  const int64_t d = m.embedding_length, q_dim = m.head_count * m.head_dim, kv = m.kvDim();
  LlamaWeights& w = c->weights;
  w.token_embd = idx.matrix("model.embed_tokens.weight", m.vocab_size, d);
  if (idx.hasLinear("lm_head")) {
    w.output = idx.linear("lm_head", m.vocab_size, d);
  } else if (m.tied_embeddings) {
    w.output = w.token_embd;
  } else {
    idx.require("lm_head.weight");
  }
  w.output_norm = idx.vector("model.norm.weight", d);
  for (int64_t i = 0; i < m.block_count; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = idx.vector(p + "input_layernorm.weight", d);
    l.ffn_norm = idx.vector(p + "post_attention_layernorm.weight", d);
    l.q = idx.linear(p + "self_attn.q_proj", q_dim, d);
    l.k = idx.linear(p + "self_attn.k_proj", kv, d);
    l.v = idx.linear(p + "self_attn.v_proj", kv, d);
    l.o = idx.linear(p + "self_attn.o_proj", d, q_dim);
    l.q_bias = idx.optionalVector(p + "self_attn.q_proj.bias", q_dim);
    l.k_bias = idx.optionalVector(p + "self_attn.k_proj.bias", kv);
    l.v_bias = idx.optionalVector(p + "self_attn.v_proj.bias", kv);
    l.gate = idx.linear(p + "mlp.gate_proj", m.feed_forward_length, d);
    l.up = idx.linear(p + "mlp.up_proj", m.feed_forward_length, d);
    l.down = idx.linear(p + "mlp.down_proj", d, m.feed_forward_length);
    w.layers.push_back(std::move(l));
  }
  c->config.attention_bias = !w.layers.empty() && !w.layers[0].q_bias.empty();
  return c;
}

}  // namespace wharf::engine

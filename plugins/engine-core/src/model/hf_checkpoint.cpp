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

class TensorIndex {
 public:
  explicit TensorIndex(const HfCheckpoint& c) : c_(c) {
    for (const SafetensorsFile& f : c.shards) {
      for (const auto& [name, t] : f.tensors()) where_.emplace(name, &f);
    }
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

  const HfCheckpoint& c_;
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

std::shared_ptr<const HfCheckpoint> HfCheckpoint::open(const std::string& dir) {
  auto c = std::make_shared<HfCheckpoint>();
  c->dir = dir;
  c->config = readHfConfig(dir);
  for (const std::string& f : shardFiles(dir)) c->shards.push_back(SafetensorsFile::open(f));
  const TensorIndex idx(*c);
  const ModelConfig& m = c->config;
  const int64_t d = m.embedding_length, q_dim = m.head_count * m.head_dim, kv = m.kvDim();
  LlamaWeights& w = c->weights;
  w.token_embd = idx.matrix("model.embed_tokens.weight", m.vocab_size, d);
  if (idx.find("lm_head.weight")) {
    w.output = idx.matrix("lm_head.weight", m.vocab_size, d);
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
    l.q = idx.matrix(p + "self_attn.q_proj.weight", q_dim, d);
    l.k = idx.matrix(p + "self_attn.k_proj.weight", kv, d);
    l.v = idx.matrix(p + "self_attn.v_proj.weight", kv, d);
    l.o = idx.matrix(p + "self_attn.o_proj.weight", d, q_dim);
    l.q_bias = idx.optionalVector(p + "self_attn.q_proj.bias", q_dim);
    l.k_bias = idx.optionalVector(p + "self_attn.k_proj.bias", kv);
    l.v_bias = idx.optionalVector(p + "self_attn.v_proj.bias", kv);
    l.gate = idx.matrix(p + "mlp.gate_proj.weight", m.feed_forward_length, d);
    l.up = idx.matrix(p + "mlp.up_proj.weight", m.feed_forward_length, d);
    l.down = idx.matrix(p + "mlp.down_proj.weight", d, m.feed_forward_length);
    w.layers.push_back(std::move(l));
  }
  c->config.attention_bias = !w.layers.empty() && !w.layers[0].q_bias.empty();
  return c;
}

}  // namespace wharf::engine

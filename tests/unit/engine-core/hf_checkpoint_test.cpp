// HfCheckpoint on tiny models written by the test: a sharded index, qwen2 biases, tied embeddings,
// and errors (missing tensor, wrong shape, corrupt shard) that name the file.
#include "engine/model/hf_checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

struct Tensor {
  std::string name;
  std::vector<uint64_t> shape;
};

// Writes an F32 safetensors file; every value of tensor i is i + 1.
void writeShard(const std::string& path, const std::vector<Tensor>& tensors) {
  std::string header = "{";
  uint64_t offset = 0;
  for (const Tensor& t : tensors) {
    uint64_t n = 1;
    std::string shape;
    for (uint64_t d : t.shape) {
      n *= d;
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    }
    header += (header.size() > 1 ? "," : "") + std::string("\"") + t.name +
              R"(":{"dtype":"F32","shape":[)" + shape + R"(],"data_offsets":[)" +
              std::to_string(offset) + "," + std::to_string(offset + 4 * n) + "]}";
    offset += 4 * n;
  }
  header += "}";
  std::ofstream out(path, std::ios::binary);
  uint64_t len = header.size();
  out.write(reinterpret_cast<const char*>(&len), 8);
  out << header;
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t n = 1;
    for (uint64_t d : tensors[i].shape) n *= d;
    std::vector<float> v(n, static_cast<float>(i + 1));
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(4 * n));
  }
}

std::vector<Tensor> layerTensors(bool bias) {
  std::vector<Tensor> t = {{"model.layers.0.input_layernorm.weight", {8}},
                           {"model.layers.0.post_attention_layernorm.weight", {8}},
                           {"model.layers.0.self_attn.q_proj.weight", {8, 8}},
                           {"model.layers.0.self_attn.k_proj.weight", {4, 8}},
                           {"model.layers.0.self_attn.v_proj.weight", {4, 8}},
                           {"model.layers.0.self_attn.o_proj.weight", {8, 8}},
                           {"model.layers.0.mlp.gate_proj.weight", {16, 8}},
                           {"model.layers.0.mlp.up_proj.weight", {16, 8}},
                           {"model.layers.0.mlp.down_proj.weight", {8, 16}}};
  if (bias) {
    t.push_back({"model.layers.0.self_attn.q_proj.bias", {8}});
    t.push_back({"model.layers.0.self_attn.k_proj.bias", {4}});
    t.push_back({"model.layers.0.self_attn.v_proj.bias", {4}});
  }
  return t;
}

std::string modelDir(const std::string& name, const std::string& type, bool tied) {
  const std::string dir = ::testing::TempDir() + "/hf_ckpt_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << R"({"model_type":")" << type
      << R"(","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,)"
         R"("num_attention_heads":2,"num_key_value_heads":1,"max_position_embeddings":32,)"
         R"("vocab_size":5,"tie_word_embeddings":)"
      << (tied ? "true" : "false") << "}";
  return dir;
}

std::string errorOf(const std::string& dir, wharf_status code) {
  try {
    HfCheckpoint::open(dir);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  return "opened";
}

TEST(HfModelCheckpoint, ShardedQwen2WithBiases) {
  const std::string dir = modelDir("sharded", "qwen2", false);
  writeShard(dir + "/a.safetensors", layerTensors(true));
  writeShard(dir + "/b.safetensors", {{"model.embed_tokens.weight", {5, 8}},
                                      {"model.norm.weight", {8}},
                                      {"lm_head.weight", {5, 8}}});
  std::string map;
  for (const Tensor& t : layerTensors(true)) map += "\"" + t.name + "\":\"a.safetensors\",";
  std::ofstream(dir + "/model.safetensors.index.json")
      << R"({"metadata":{},"weight_map":{)" << map
      << R"("model.embed_tokens.weight":"b.safetensors","model.norm.weight":"b.safetensors",)"
         R"("lm_head.weight":"b.safetensors"}})";
  auto c = HfCheckpoint::open(dir);
  EXPECT_EQ(c->shards.size(), 2u);
  EXPECT_TRUE(c->config.attention_bias);
  ASSERT_EQ(c->weights.layers.size(), 1u);
  const LayerWeights& l = c->weights.layers[0];
  EXPECT_EQ(l.k.rows, 4);
  EXPECT_EQ(l.k.row_bytes, 32u);
  EXPECT_EQ(l.q_bias.size(), 8u);
  EXPECT_EQ(l.v_bias[0], 12.0f);
  EXPECT_EQ(c->weights.output_norm[0], 2.0f);
  EXPECT_NE(c->weights.output.data, c->weights.token_embd.data);
}

TEST(HfModelCheckpoint, TiedEmbeddings) {
  const std::string dir = modelDir("tied", "llama", true);
  auto t = layerTensors(false);
  t.push_back({"model.embed_tokens.weight", {5, 8}});
  t.push_back({"model.norm.weight", {8}});
  writeShard(dir + "/model.safetensors", t);
  auto c = HfCheckpoint::open(dir);
  EXPECT_EQ(c->weights.output.data, c->weights.token_embd.data);
  EXPECT_FALSE(c->config.attention_bias);
}

TEST(HfModelCheckpoint, ErrorsNameTheFile) {
  const std::string dir = modelDir("errors", "llama", false);
  auto t = layerTensors(false);
  t.push_back({"model.embed_tokens.weight", {5, 8}});
  t.push_back({"model.norm.weight", {8}});
  writeShard(dir + "/model.safetensors", t);
  EXPECT_NE(errorOf(dir, WHARF_ERR_NOT_FOUND).find("'lm_head.weight'"), std::string::npos);

  t.push_back({"lm_head.weight", {5, 7}});
  writeShard(dir + "/model.safetensors", t);
  std::string e = errorOf(dir, WHARF_ERR_DATA);
  EXPECT_NE(e.find("model.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("expected 5 x 8"), std::string::npos) << e;

  std::filesystem::resize_file(dir + "/model.safetensors", 100);
  e = errorOf(dir, WHARF_ERR_DATA);
  EXPECT_NE(e.find("model.safetensors"), std::string::npos) << e;

  std::filesystem::remove(dir + "/model.safetensors");
  std::ofstream(dir + "/model.safetensors.index.json") << R"({"weight_map":{"x":"../evil"}})";
  EXPECT_NE(errorOf(dir, WHARF_ERR_DATA).find("model.safetensors.index.json"), std::string::npos);
}

}  // namespace
}  // namespace wharf::engine

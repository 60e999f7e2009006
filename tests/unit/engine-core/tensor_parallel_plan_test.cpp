// The tensor-parallel plan: head, KV-head, MLP and vocabulary splits (KV heads replicated when the
// ranks outnumber them), refusals by name, and the shard views into the weights (rows for
// column-parallel layers, block-aligned column ranges with the full row stride for row-parallel
// ones).
#include "engine/parallel/tensor_parallel_plan.hpp"

#include <gtest/gtest.h>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

ModelConfig smolLm2() {
  ModelConfig c;
  c.embedding_length = 576;
  c.head_count = 9;
  c.head_count_kv = 3;
  c.head_dim = 64;
  c.feed_forward_length = 1536;
  c.vocab_size = 49152;
  c.block_count = 1;
  return c;
}

std::string refusal(const ModelConfig& c, int size) {
  try {
    TensorParallelPlan::make(c, size);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_INVALID_ARGUMENT);
    return e.what();
  }
  return "accepted";
}

TEST(TensorParallelPlan, SplitsHeadsKvHeadsMlpAndVocabulary) {
  const TensorParallelPlan p = TensorParallelPlan::make(smolLm2(), 3);
  EXPECT_EQ(p.heads, 3);
  EXPECT_EQ(p.kv_heads, 1);
  EXPECT_EQ(p.kv_replicas, 1);
  EXPECT_EQ(p.ff, 512);
  EXPECT_EQ(p.vocab_begin, (std::vector<int64_t>{0, 16384, 32768, 49152}));
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(p.headBegin(r), 3 * r);
    EXPECT_EQ(p.kvHeadBegin(r), r);
  }
  const ModelConfig rc = p.rankConfig(smolLm2());
  EXPECT_EQ(rc.head_count, 3);
  EXPECT_EQ(rc.head_count_kv, 1);
  EXPECT_EQ(rc.groupSize(), 3);  // the same query heads per KV head as the whole model
  EXPECT_EQ(rc.feed_forward_length, 512);
  EXPECT_EQ(rc.vocab_size, 49152);
  EXPECT_EQ(rc.embedding_length, 576);
}

TEST(TensorParallelPlan, ReplicatesKvHeadsWhenRanksOutnumberThem) {
  ModelConfig c = smolLm2();
  c.head_count = 8;
  c.head_count_kv = 2;
  c.vocab_size = 10;
  const TensorParallelPlan p = TensorParallelPlan::make(c, 4);
  EXPECT_EQ(p.heads, 2);
  EXPECT_EQ(p.kv_heads, 1);
  EXPECT_EQ(p.kv_replicas, 2);
  // Query heads 0-3 use KV head 0, 4-7 KV head 1.
  EXPECT_EQ(p.kvHeadBegin(0), 0);
  EXPECT_EQ(p.kvHeadBegin(1), 0);
  EXPECT_EQ(p.kvHeadBegin(2), 1);
  EXPECT_EQ(p.kvHeadBegin(3), 1);
  // 10 tokens over 4 ranks: 3, 3, 3, 1.
  EXPECT_EQ(p.vocab_begin, (std::vector<int64_t>{0, 3, 6, 9, 10}));
  EXPECT_EQ(p.vocabCount(3), 1);
}

TEST(TensorParallelPlan, RefusesShapesThatDoNotSplitByName) {
  EXPECT_EQ(refusal(smolLm2(), 2),
            "tensor_parallel_size 2 does not split the model's 9 attention heads");
  ModelConfig c = smolLm2();
  c.head_count = 12;
  c.head_count_kv = 6;
  EXPECT_EQ(refusal(c, 4), "tensor_parallel_size 4 does not split the model's 6 KV heads");
  c.head_count_kv = 3;
  EXPECT_EQ(refusal(c, 4),
            "tensor_parallel_size 4 does not split the model's 3 KV heads (fewer than the ranks, "
            "and not a divisor of them)");
  c = smolLm2();
  c.feed_forward_length = 1537;
  EXPECT_EQ(refusal(c, 3), "tensor_parallel_size 3 does not split the model's MLP width 1537");
  c = smolLm2();
  c.vocab_size = 2;
  EXPECT_EQ(refusal(c, 3), "tensor_parallel_size 3 does not split a vocabulary of 2 tokens");
  EXPECT_EQ(refusal(smolLm2(), 0), "tensor_parallel_size must be at least 1");
}

WeightMatrix matrix(GgmlType type, int64_t rows, int64_t cols, const uint8_t* data) {
  WeightMatrix m;
  m.type = type;
  m.rows = rows;
  m.cols = cols;
  const GgmlTypeInfo& info = typeInfo(type);
  m.row_bytes = static_cast<size_t>(cols) / info.block_elements * info.block_bytes;
  m.data = data;
  return m;
}

TEST(TensorParallelPlan, ShardsAreViewsWithTheFullRowStride) {
  ModelConfig c = smolLm2();
  c.head_count = 4;
  c.head_count_kv = 2;
  c.head_dim = 32;
  c.embedding_length = 128;
  c.feed_forward_length = 256;
  c.vocab_size = 100;
  const TensorParallelPlan p = TensorParallelPlan::make(c, 2);
  const std::vector<uint8_t> bytes(64 * 1024);  // the views are checked, never read
  const uint8_t* b = bytes.data();
  LlamaWeights w;
  w.token_embd = matrix(GgmlType::F16, 100, 128, b);
  w.output = w.token_embd;  // tied
  LayerWeights l;
  l.q = matrix(GgmlType::Q4_1, 128, 128, b);
  l.k = matrix(GgmlType::Q4_1, 64, 128, b);
  l.v = l.k;
  l.o = matrix(GgmlType::Q4_1, 128, 128, b);
  l.q_bias.resize(128);
  for (size_t i = 0; i < 128; ++i) l.q_bias[i] = static_cast<float>(i);
  l.k_bias.assign(64, 0.0f);
  l.v_bias.assign(64, 0.0f);
  l.gate = matrix(GgmlType::Q8_0, 256, 128, b);
  l.up = l.gate;
  l.down = matrix(GgmlType::Q8_0, 128, 256, b);
  w.layers.push_back(l);

  const LlamaWeights s = p.shard(w, 1);
  EXPECT_EQ(s.token_embd.rows, 50);
  EXPECT_EQ(s.token_embd.data, b + 50 * 256);
  EXPECT_EQ(s.output.data, s.token_embd.data);
  const LayerWeights& r = s.layers[0];
  // Q: heads 2-3 = rows 64-127 of 80-byte rows (4 Q4_1 blocks of 20 bytes).
  EXPECT_EQ(r.q.rows, 64);
  EXPECT_EQ(r.q.data, b + 64 * 80);
  EXPECT_EQ(r.k.rows, 32);  // KV head 1
  EXPECT_EQ(r.k.data, b + 32 * 80);
  // O: inputs 64-127 = blocks 2-3 of each row; the stride stays 80 bytes.
  EXPECT_EQ(r.o.cols, 64);
  EXPECT_EQ(r.o.rows, 128);
  EXPECT_EQ(r.o.row_bytes, 80u);
  EXPECT_EQ(r.o.data, b + 2 * 20);
  EXPECT_EQ(r.q_bias.size(), 64u);
  EXPECT_EQ(r.q_bias.front(), 64.0f);
  // down: inputs 128-255 = Q8_0 blocks 4-7 (34 bytes each).
  EXPECT_EQ(r.down.cols, 128);
  EXPECT_EQ(r.down.data, b + 4 * 34);
  EXPECT_EQ(r.gate.data, b + 128 * 4 * 34);
}

}  // namespace
}  // namespace wharf::engine

// The LM head re-encoded as Q8_0 at load (CpuRunnerOptions::q8_0_head, engine-cpu's
// `lm_head = q8_0`): the head's rows are the reference Q8_0 encoding of the stored ones, the
// token embedding is untouched (tied models too), the weights shrink by the difference, and the
// logits stay within the rounding of 8-bit weights; a head that is already block-quantized is
// kept as it is.
#include "engine/model/q8_head.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/model/quant_blocks.hpp"
#include "runner_sequence.hpp"
#include "synthetic_model.hpp"

namespace wharf::engine {
namespace {

GgufFile parsed(const Synthetic& m) { return GgufFile::parse(MappedFile::fromBytes(m.file)); }

class Q8Head : public ::testing::TestWithParam<bool> {};  // tied embeddings or not

TEST_P(Q8Head, HeadRowsAreTheReferenceEncodingAndTheEmbeddingStays) {
  const Synthetic m = makeModel("llama", GgmlType::F16, GetParam(), 41);
  auto gguf = std::make_shared<GgufFile>(parsed(m));
  const ModelConfig config = readModelConfig(*gguf);
  const LlamaWeights stored = LlamaWeights::load(*gguf, config);
  bool converted = false;
  const OwnedWeights q = withQ8_0Head(gguf, stored, &converted);
  ASSERT_TRUE(converted);
  const WeightMatrix& head = q.weights.output;
  EXPECT_EQ(head.type, GgmlType::Q8_0);
  EXPECT_EQ(head.rows, stored.output.rows);
  EXPECT_EQ(head.cols, stored.output.cols);
  EXPECT_EQ(q.weights.token_embd.type, GgmlType::F16);
  EXPECT_EQ(q.weights.token_embd.data, stored.token_embd.data);
  const size_t cols = static_cast<size_t>(head.cols);
  std::vector<float> row(cols);
  std::vector<uint8_t> want(cols / kQBlock * kQ8_0Bytes);
  for (int64_t r = 0; r < head.rows; ++r) {
    dequantizeRow(GgmlType::F16, stored.output.row(r), row.data(), cols);
    quantizeRowQ8_0(row.data(), want.data(), cols);
    ASSERT_EQ(std::memcmp(head.row(r), want.data(), want.size()), 0) << "row " << r;
  }
  const uint64_t f16_head = static_cast<uint64_t>(head.rows) * cols * 2;
  const uint64_t q8_head = static_cast<uint64_t>(head.rows) * want.size();
  if (GetParam())  // a copy beside the embedding it was tied to
    EXPECT_EQ(q.weights.bytes(), stored.bytes() + q8_head);
  else
    EXPECT_EQ(q.weights.bytes(), stored.bytes() - f16_head + q8_head);
  // The views stay valid without the caller's handle: the result owns the mapping (ASan checks).
  gguf.reset();
  dequantizeRow(GgmlType::F16, q.weights.token_embd.row(0), row.data(), cols);
  dequantizeRow(GgmlType::Q8_0, head.row(head.rows - 1), row.data(), cols);
}

TEST_P(Q8Head, LogitsStayWithinTheEightBitRounding) {
  const Synthetic m = makeModel("llama", GgmlType::F16, GetParam(), 43);
  auto gguf = std::make_shared<GgufFile>(parsed(m));
  CpuRunnerOptions q8;
  q8.q8_0_head = true;
  auto plain = CpuLlamaRunner::create(gguf, 1, 1);
  auto quantized = CpuLlamaRunner::create(gguf, 1, 1, q8);
  if (GetParam())
    EXPECT_GT(quantized->memory().weights_bytes, plain->memory().weights_bytes);
  else
    EXPECT_LT(quantized->memory().weights_bytes, plain->memory().weights_bytes);
  Sequence a(*plain), b(*quantized);
  const std::vector<int32_t> prompt = {5, 9, 31, 2, 77, 40, 18, 63};
  const auto la = a.run(prompt, 0), lb = b.run(prompt, 0);
  const LogitsGap gap = logitsGap(la, lb);
  EXPECT_GT(gap.max_diff, 0.0);  // the head did change
  // 8-bit weights with a per-32 scale: each weight is off by up to 1/254 of its block's largest.
  // Measured on these random 64-wide models: 8.1e-3 (untied) and 9.1e-3 (tied) of the largest
  // logit; a head with rows out of place moves them by their own size.
  EXPECT_LT(gap.relative(), 2e-2) << gap.max_diff << " of " << gap.scale;
}

INSTANTIATE_TEST_SUITE_P(Heads, Q8Head, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tied" : "untied"; });

TEST(Q8HeadKept, ABlockQuantizedHeadIsKeptAsItIs) {
  const Synthetic m = makeModel("llama", GgmlType::Q4_1, false, 47);
  auto gguf = std::make_shared<GgufFile>(parsed(m));
  const LlamaWeights stored = LlamaWeights::load(*gguf, readModelConfig(*gguf));
  bool converted = true;
  const OwnedWeights q = withQ8_0Head(gguf, stored, &converted);
  EXPECT_FALSE(converted);
  EXPECT_EQ(q.weights.output.type, GgmlType::Q4_1);
  EXPECT_EQ(q.weights.output.data, stored.output.data);
}

}  // namespace
}  // namespace wharf::engine

#include "engine/model/gguf.hpp"

#include <gtest/gtest.h>

#include "engine/model/model_config.hpp"
#include "gguf_builder.hpp"
#include "test_model.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

using test::GgufBuilder;

std::vector<uint8_t> sampleFile() {
  GgufBuilder b(64);
  b.kv<uint32_t>("general.alignment", 4, 64);
  b.kvString("general.architecture", "llama");
  b.kv<uint8_t>("v.u8", 0, 200);
  b.kv<int8_t>("v.i8", 1, -5);
  b.kv<uint16_t>("v.u16", 2, 60000);
  b.kv<int16_t>("v.i16", 3, -30000);
  b.kv<int32_t>("v.i32", 5, -70000);
  b.kv<float>("v.f32", 6, 1.5f);
  b.kv<uint8_t>("v.bool", 7, 1);
  b.kv<uint64_t>("v.u64", 10, 1ull << 40);
  b.kv<int64_t>("v.i64", 11, -(1ll << 40));
  b.kv<double>("v.f64", 12, 0.25);
  b.kvStrings("v.strings", {"a", "", "héllo"});
  b.kvArray<int32_t>("v.ints", 5, {1, -2, 3});
  std::vector<uint8_t> f32(4 * 8, 0);
  f32[0] = 0x80;
  b.tensor("t.f32", {4, 2}, 0, f32);
  b.tensor("t.q8", {32}, 8, std::vector<uint8_t>(34, 7));
  return b.build();
}

TEST(Gguf, ParsesEveryValueTypeAndTensorInfos) {
  GgufFile g = GgufFile::parse(MappedFile::fromBytes(sampleFile()));
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.dataOffset() % 64, 0u);
  EXPECT_EQ(g.requireString("general.architecture"), "llama");
  EXPECT_EQ(*g.intValue("v.u8"), 200);
  EXPECT_EQ(*g.intValue("v.i8"), -5);
  EXPECT_EQ(*g.intValue("v.u16"), 60000);
  EXPECT_EQ(*g.intValue("v.i16"), -30000);
  EXPECT_EQ(*g.intValue("v.i32"), -70000);
  EXPECT_EQ(*g.floatValue("v.f32"), 1.5);
  EXPECT_TRUE(*g.boolValue("v.bool"));
  EXPECT_EQ(*g.intValue("v.u64"), 1ll << 40);
  EXPECT_EQ(*g.intValue("v.i64"), -(1ll << 40));
  EXPECT_EQ(*g.floatValue("v.f64"), 0.25);
  auto strings = g.stringArray("v.strings");
  ASSERT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings[2], "héllo");
  const GgufValue* ints = g.find("v.ints");
  ASSERT_NE(ints, nullptr);
  ASSERT_EQ(ints->elements.size(), 3u);
  EXPECT_EQ(ints->elements[1].asInt(), -2);
  EXPECT_FALSE(g.intValue("absent").has_value());

  ASSERT_EQ(g.tensors().size(), 2u);
  const GgufTensorInfo& t = g.requireTensor("t.f32");
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.bytes, 32u);
  EXPECT_EQ(t.data[0], 0x80);
  const GgufTensorInfo& q = g.requireTensor("t.q8");
  EXPECT_EQ(q.type, GgmlType::Q8_0);
  EXPECT_EQ(q.bytes, 34u);
  EXPECT_EQ((q.data - t.data) % 64, 0);
  EXPECT_EQ(q.data[0], 7);
}

TEST(Gguf, WrongTypedLookupIsAnError) {
  GgufFile g = GgufFile::parse(MappedFile::fromBytes(sampleFile()));
  EXPECT_THROW(g.intValue("general.architecture"), Error);
  EXPECT_THROW(g.stringValue("v.u8"), Error);
  EXPECT_THROW(g.requireTensor("nope"), Error);
}

// Every truncation of a valid file must be reported as corrupt data, never crash.
TEST(Gguf, EveryTruncationIsAClearError) {
  std::vector<uint8_t> full = sampleFile();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    try {
      GgufFile::parse(MappedFile::fromBytes(cut));
      ADD_FAILURE() << "a file cut at " << n << " bytes parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), WHARF_ERR_DATA) << e.what();
    }
  }
}

// Random byte corruption may or may not produce a valid file, but must never crash.
TEST(Gguf, CorruptBytesNeverCrash) {
  std::vector<uint8_t> full = sampleFile();
  uint32_t seed = 12345;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> bad = full;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1664525u + 1013904223u;
      size_t pos = (seed >> 8) % bad.size();
      seed = seed * 1664525u + 1013904223u;
      bad[pos] = static_cast<uint8_t>(seed >> 24);
    }
    try {
      GgufFile::parse(MappedFile::fromBytes(bad));
    } catch (const Error&) {
    }
  }
}

std::string errorOf(const std::vector<uint8_t>& bytes) {
  try {
    GgufFile::parse(MappedFile::fromBytes(bytes));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Gguf, RejectsBadHeaders) {
  std::vector<uint8_t> f = sampleFile();
  f[0] = 'X';
  EXPECT_NE(errorOf(f).find("bad magic"), std::string::npos);
  GgufBuilder b;
  EXPECT_NE(errorOf(b.build(7)).find("version 7"), std::string::npos);
}

TEST(Gguf, UnsupportedTensorTypeIsNamed) {
  GgufBuilder b;
  b.tensor("blk.0.ffn_down.weight", {256}, 12, std::vector<uint8_t>(144, 0));
  std::string e = errorOf(b.build());
  EXPECT_NE(e.find("Q4_K"), std::string::npos) << e;
  EXPECT_NE(e.find("blk.0.ffn_down.weight"), std::string::npos) << e;
}

TEST(Gguf, RejectsBadAlignmentAndHugeArrays) {
  GgufBuilder a;
  a.kv<uint32_t>("general.alignment", 4, 24);
  EXPECT_NE(errorOf(a.build()).find("power of two"), std::string::npos);

  GgufBuilder h;
  std::vector<uint8_t> raw;
  GgufBuilder::str(raw, "huge");
  GgufBuilder::put<uint32_t>(raw, 9);
  GgufBuilder::put<uint32_t>(raw, 10);
  GgufBuilder::put<uint64_t>(raw, 1ull << 60);
  h.kvRaw(raw);
  EXPECT_NE(errorOf(h.build()).find("does not fit"), std::string::npos);
}

TEST(Gguf, TensorPastTheEndIsRejected) {
  GgufBuilder b;
  b.tensor("t", {64}, 0, std::vector<uint8_t>(64 * 4, 0));
  std::vector<uint8_t> f = b.build();
  f.erase(f.end() - 4, f.end());
  EXPECT_NE(errorOf(f).find("past the end"), std::string::npos);
}

TEST(Gguf, MissingFileIsNotFound) {
  try {
    GgufFile::open("/nonexistent/model.gguf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_NOT_FOUND);
  }
}

TEST(ModelConfig, ReadsSmolLM2) {
  WHARF_REQUIRE_TEST_MODEL(path);
  GgufFile g = GgufFile::open(path);
  ModelConfig c = readModelConfig(g);
  EXPECT_EQ(c.architecture, "llama");
  EXPECT_EQ(c.context_length, 8192);
  EXPECT_EQ(c.embedding_length, 576);
  EXPECT_EQ(c.block_count, 30);
  EXPECT_EQ(c.feed_forward_length, 1536);
  EXPECT_EQ(c.head_count, 9);
  EXPECT_EQ(c.head_count_kv, 3);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.vocab_size, 49152);
  EXPECT_NEAR(c.rms_eps, 1e-5, 1e-9);
  EXPECT_EQ(c.rope_freq_base, 100000.0);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.rope_style, RopeStyle::Interleaved);
  EXPECT_EQ(g.requireTensor("token_embd.weight").type, GgmlType::Q8_0);
  EXPECT_EQ(g.requireTensor("blk.0.attn_q.weight").type, GgmlType::Q4_1);
}

}  // namespace
}  // namespace wharf::engine

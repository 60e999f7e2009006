// quant-awq refuses bad checkpoints at load with one message that names the key or the tensor:
// another method, bits, version or group size; missing, mis-shaped, mis-typed, truncated or
// resized tensors. Never a crash, never a layer that computes garbage.
#include <gtest/gtest.h>

#include "awq_config.hpp"
#include "awq_weights.hpp"
#include "quant_test_util.hpp"

namespace wharf::quant_awq {
namespace {

// The message of the wharf::Error `fn` throws (fails the test when it throws none).
template <class Fn>
std::string errorOf(Fn&& fn, wharf_status* code = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(AwqConfigTest, ReadsBothConfigDialects) {
  AwqConfig a = AwqConfig::parse(
      R"({"quant_method":"awq","bits":4,"group_size":64,"zero_point":false,"version":"GEMM"})");
  EXPECT_EQ(a.group_size, 64);
  EXPECT_FALSE(a.zero_point);
  AwqConfig b = AwqConfig::parse(R"({"w_bit":4,"q_group_size":32,"zero_point":true})");
  EXPECT_EQ(b.group_size, 32);
  EXPECT_TRUE(b.zero_point);
  EXPECT_TRUE(AwqConfig::recognizes(R"({"quant_method":"AWQ"})"));
  EXPECT_TRUE(AwqConfig::recognizes(R"({"w_bit":4,"q_group_size":128})"));
  EXPECT_FALSE(AwqConfig::recognizes(R"({"quant_method":"squeezellm"})"));
  EXPECT_FALSE(AwqConfig::recognizes("not json"));
}

TEST(AwqConfigTest, RefusesWhatItCannotRunNamingTheKey) {
  struct Bad {
    const char* json;
    const char* names;
  };
  for (const Bad& b :
       {Bad{R"({"quant_method":"gptq"})", "gptq"},
        Bad{R"({"quant_method":"awq","bits":3})", "bits = 3"}, Bad{R"({"w_bit":8})", "bits = 8"},
        Bad{R"({"quant_method":"awq","version":"gemv"})", "'gemv'"},
        Bad{R"({"quant_method":"awq","version":"marlin"})", "'marlin'"},
        Bad{R"({"quant_method":"awq","group_size":48})", "group_size = 48"},
        Bad{R"({"quant_method":"awq","group_size":-128})", "group_size"},
        Bad{R"({"quant_method":"awq","group_size":"128"})", "'group_size'"},
        Bad{R"({"quant_method":"awq","zero_point":"yes"})", "'zero_point'"},
        Bad{R"([1,2])", "not a JSON object"}}) {
    const std::string m = errorOf([&] { AwqConfig::parse(b.json); });
    EXPECT_NE(m.find(b.names), std::string::npos) << b.json << " -> " << m;
  }
}

// qweight/qzeros/scales for a k x n layer of group g (contents are zeros: only shapes matter).
struct Tensors {
  std::vector<int32_t> qweight, qzeros;
  std::vector<uint16_t> scales;
  wharf_tensor tq{}, tz{}, ts{};
  Tensors(int64_t k, int64_t n, int64_t g)
      : qweight(static_cast<size_t>(k * n / 8 + 64)),
        qzeros(static_cast<size_t>(k / g * n / 8 + 64)),
        scales(static_cast<size_t>(k / g * n + 64)) {
    tq = view("qweight", WHARF_DTYPE_I32, k, n / 8, qweight.data());
    tz = view("qzeros", WHARF_DTYPE_I32, k / g, n / 8, qzeros.data());
    ts = view("scales", WHARF_DTYPE_F16, k / g, n, scales.data());
  }
  static wharf_tensor view(const char* name, wharf_dtype d, int64_t r, int64_t c,
                           const void* data) {
    wharf_tensor t = quant_test::hostF32(data, r, c);
    t.name = name;
    t.dtype = d;
    return t;
  }
  std::vector<wharf_tensor> all() const { return {tq, tz, ts}; }
};

AwqConfig group(int64_t g) {
  AwqConfig c;
  c.group_size = g;
  return c;
}

TEST(AwqWeightsTest, LoadsAWellFormedLayer) {
  Tensors t(256, 64, 128);
  AwqWeights w = AwqWeights::fromCheckpoint(group(128), t.all());
  EXPECT_EQ(w.k, 256);
  EXPECT_EQ(w.n, 64);
}

TEST(AwqWeightsTest, NamesAMissingTensor) {
  Tensors t(256, 64, 128);
  wharf_status code{};
  std::string m = errorOf([&] { AwqWeights::fromCheckpoint(group(128), {t.tq, t.tz}); }, &code);
  EXPECT_EQ(code, WHARF_ERR_NOT_FOUND);
  EXPECT_NE(m.find("'scales' is missing"), std::string::npos) << m;
  m = errorOf([&] { AwqWeights::fromCheckpoint(group(128), {t.tq, t.ts}); });
  EXPECT_NE(m.find("'qzeros' is missing"), std::string::npos) << m;
  // Without a zero point, qzeros may be left out (every zero is 8).
  AwqConfig sym = group(128);
  sym.zero_point = false;
  EXPECT_EQ(AwqWeights::fromCheckpoint(sym, {t.tq, t.ts}).n, 64);
}

TEST(AwqWeightsTest, NamesTheTensorWithTheWrongShapeOrDtype) {
  Tensors t(256, 64, 128);
  auto refused = [&](std::vector<wharf_tensor> v, const std::string& names) {
    const std::string m = errorOf([&] { AwqWeights::fromCheckpoint(group(128), v); });
    EXPECT_NE(m.find(names), std::string::npos) << m;
  };
  wharf_tensor q = t.tq;
  q.shape[1] = 9;
  refused({q, t.tz, t.ts}, "tensor 'qweight' is I32 [256 x 9], expected I32 [256 x 8]");
  wharf_tensor z = t.tz;
  z.shape[0] = 3;
  refused({t.tq, z, t.ts}, "tensor 'qzeros' is I32 [3 x 8], expected I32 [2 x 8]");
  wharf_tensor s = t.ts;
  s.dtype = WHARF_DTYPE_F32;
  refused({t.tq, t.tz, s}, "tensor 'scales' is F32");
  wharf_tensor one_d = t.tq;
  one_d.ndim = 1;
  refused({one_d, t.tz, t.ts}, "tensor 'qweight'");
}

TEST(AwqWeightsTest, RefusesAGroupSizeThatDoesNotDivideK) {
  Tensors t(576, 64, 64);  // K = 576 as in SmolLM2: 128 does not divide it
  const std::string m = errorOf([&] { AwqWeights::fromCheckpoint(group(128), t.all()); });
  EXPECT_NE(m.find("group_size 128 does not divide"), std::string::npos) << m;
}

// Truncated and resized tensors: every shape around the right one is refused or loads a layer
// of exactly the shape it claims; none crashes or reads out of bounds (ASan checks).
TEST(AwqWeightsTest, SurvivesEveryNearbyShape) {
  const int64_t k = 256, n = 64, g = 128;
  Tensors t(k, n, g);
  int refused = 0;
  for (int which = 0; which < 3; ++which)
    for (int dim = 0; dim < 2; ++dim)
      for (int64_t delta : {-64, -8, -1, 1, 8, 64}) {
        std::vector<wharf_tensor> v = t.all();
        v[static_cast<size_t>(which)].shape[dim] += delta;
        try {
          AwqWeights w = AwqWeights::fromCheckpoint(group(g), v);
          EXPECT_EQ(w.nibbles.size(), static_cast<size_t>(w.n * w.k / 2));
        } catch (const Error&) {
          ++refused;
        }
      }
  EXPECT_EQ(refused, 36);
}

}  // namespace
}  // namespace wharf::quant_awq

// quant-awq against tests/quant/packing_reference.py's fixtures: the checkpoint reader unpacks
// AutoAWQ's qweight/qzeros to the reference's integers and weights bit for bit, the packer and the
// RTN quantizer write the reference's tensors bit for bit, and the product matches its y.
#include <gtest/gtest.h>

#include <cstring>

#include "awq_config.hpp"
#include "awq_forward.hpp"
#include "awq_packing.hpp"
#include "awq_quantize.hpp"
#include "awq_weights.hpp"
#include "quant_test_util.hpp"

namespace wharf::quant_awq {
namespace {

using quant_test::Fixture;

AwqConfig configWithGroup(int64_t g) {
  AwqConfig c;
  c.group_size = g;
  return c;
}

struct Case {
  const char* file;
  int64_t k, n, group;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }
};

class AwqFixture : public ::testing::TestWithParam<Case> {};

TEST_P(AwqFixture, UnpacksTheReferencesIntegersAndWeightsExactly) {
  const Case c = GetParam();
  Fixture f(c.file);
  const AwqWeights w = AwqWeights::fromCheckpoint(
      configWithGroup(c.group), {f.tensor("qweight"), f.tensor("qzeros"), f.tensor("scales")});
  ASSERT_EQ(w.k, c.k);
  ASSERT_EQ(w.n, c.n);
  const std::vector<uint8_t> q = f.bytes("q");  // [K, N]
  const std::vector<float> weight = f.floats("weight");
  int64_t wrong_q = 0, wrong_w = 0;
  for (int64_t r = 0; r < c.n; ++r)
    for (int64_t i = 0; i < c.k; ++i) {
      wrong_q += w.quantAt(r, i) != q[static_cast<size_t>(i * c.n + r)];
      const float got = w.at(r, i), want = weight[static_cast<size_t>(r * c.k + i)];
      wrong_w += std::memcmp(&got, &want, 4) != 0;
    }
  EXPECT_EQ(wrong_q, 0);
  EXPECT_EQ(wrong_w, 0);
}

TEST_P(AwqFixture, PacksTheReferencesQweightAndQzerosExactly) {
  const Case c = GetParam();
  Fixture f(c.file);
  for (const auto& [values, packed, rows] :
       {std::tuple{"q", "qweight", c.k}, std::tuple{"z", "qzeros", c.k / c.group}}) {
    const std::vector<uint8_t> v = f.bytes(values);
    const wharf_tensor p = f.tensor(packed);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t col = 0; col < c.n / 8; ++col) {
        ASSERT_EQ(packAwq8(v.data() + i * c.n + col * 8), loadI32(p, i * (c.n / 8) + col))
            << packed << " row " << i << " column group " << col;
      }
    }
  }
}

TEST_P(AwqFixture, ProductMatchesTheReference) {
  const Case c = GetParam();
  Fixture f(c.file);
  const AwqWeights w = AwqWeights::fromCheckpoint(
      configWithGroup(c.group), {f.tensor("qweight"), f.tensor("qzeros"), f.tensor("scales")});
  const std::vector<float> x = f.floats("x"), want = f.floats("y");
  const int64_t rows = static_cast<int64_t>(x.size()) / c.k;
  const std::vector<float> weight = f.floats("weight");
  for (cpu::SimdLevel level : {cpu::SimdLevel::Scalar, cpu::SimdLevel::Avx2, cpu::SimdLevel::Avx512,
                               cpu::SimdLevel::Avx512Vnni}) {
    const AwqKernels* k = awqKernelsFor(level);
    if (!k) continue;
    std::vector<float> y(static_cast<size_t>(rows * c.n));
    wharf_tensor xt = quant_test::hostF32(x.data(), rows, c.k);
    wharf_tensor yt = quant_test::hostF32(y.data(), rows, c.n);
    awqForward(w, *k, xt, yt, CpuPool(nullptr));
    for (int64_t t = 0; t < rows; ++t) {
      for (int64_t r = 0; r < c.n; ++r) {
        // The activations are rounded to 8 bits per block of 32: bound that error exactly.
        double bound = 1e-5;
        for (int64_t b = 0; b < c.k / 32; ++b) {
          float amax = 0, wsum = 0;
          for (int64_t i = b * 32; i < b * 32 + 32; ++i) {
            amax = std::max(amax, std::fabs(x[t * c.k + i]));
            wsum += std::fabs(weight[r * c.k + i]);
          }
          bound += 1.01 * amax / 127 / 2 * wsum;
        }
        EXPECT_NEAR(y[t * c.n + r], want[t * c.n + r], bound)
            << cpu::simdLevelName(level) << " row " << t << " feature " << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AwqFixture,
                         ::testing::Values(Case{"awq_g32.safetensors", 128, 64, 32},
                                           Case{"awq_g128.safetensors", 256, 48, 128}),
                         [](const auto& info) { return "g" + std::to_string(info.param.group); });

TEST(AwqRtn, QuantizesLikeTheReferenceBitForBit) {
  Fixture f("awq_rtn_g64.safetensors");
  const wharf_tensor w_in = f.tensor("w_in");
  for (bool zero_point : {true, false}) {
    const AwqTensors t = quantizeAwqRtn(w_in, 64, zero_point);
    const std::string p = zero_point ? "" : "sym_";
    const std::vector<uint8_t> qweight = f.bytes(p + "qweight"), qzeros = f.bytes(p + "qzeros"),
                               scales = f.bytes(p + "scales");
    ASSERT_EQ(t.qweight.size() * 4, qweight.size());
    ASSERT_EQ(t.qzeros.size() * 4, qzeros.size());
    ASSERT_EQ(t.scales.size() * 2, scales.size());
    EXPECT_EQ(std::memcmp(t.qweight.data(), qweight.data(), qweight.size()), 0) << p << "qweight";
    EXPECT_EQ(std::memcmp(t.qzeros.data(), qzeros.data(), qzeros.size()), 0) << p << "qzeros";
    EXPECT_EQ(std::memcmp(t.scales.data(), scales.data(), scales.size()), 0) << p << "scales";
  }
}

}  // namespace
}  // namespace wharf::quant_awq

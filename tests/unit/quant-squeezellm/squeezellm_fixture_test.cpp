// quant-squeezellm against tests/quant/packing_reference.py's fixture: the checkpoint reader
// unpacks qweight to the reference's indices and dequantizes to its weights bit for bit (with and
// without the sparse part), the packer writes its qweight bit for bit, and the product at every
// SIMD level matches its y within the exact bound of f32 accumulation.
#include <gtest/gtest.h>

#include <cstring>

#include "quant_test_util.hpp"
#include "squeezellm_config.hpp"
#include "squeezellm_forward.hpp"
#include "squeezellm_packing.hpp"
#include "squeezellm_weights.hpp"

namespace wharf::quant_squeezellm {
namespace {

using quant_test::Fixture;

constexpr const char* kFile = "squeezellm.safetensors";
constexpr int64_t kK = 128, kN = 40;

struct Case {
  bool sparse;
  const char* weight;  // the reference's dequantized weights
  const char* y;       // and its product with x
  friend void PrintTo(const Case& c, std::ostream* os) {
    *os << (c.sparse ? "dense and sparse" : "dense");
  }
};

std::vector<wharf_tensor> layerTensors(const Fixture& f, bool sparse) {
  std::vector<wharf_tensor> v = {f.tensor("qweight"), f.tensor("lookup_table")};
  if (sparse)
    for (const char* name : {"sparse_indptr", "sparse_indices", "sparse_values"})
      v.push_back(f.tensor(name));
  return v;
}

class SqueezeLlmFixture : public ::testing::TestWithParam<Case> {};

TEST_P(SqueezeLlmFixture, UnpacksTheReferencesIndicesAndWeightsExactly) {
  const Case c = GetParam();
  Fixture f(kFile);
  const SqueezeLlmWeights w =
      SqueezeLlmWeights::fromCheckpoint(SqueezeLlmConfig{}, layerTensors(f, c.sparse));
  ASSERT_EQ(w.k, kK);
  ASSERT_EQ(w.n, kN);
  EXPECT_EQ(w.nnz(), c.sparse ? 53 : 0);
  const std::vector<uint8_t> q = f.bytes("q");  // [K, N]
  const std::vector<float> weight = f.floats(c.weight);
  int64_t wrong_q = 0, wrong_w = 0;
  for (int64_t r = 0; r < kN; ++r)
    for (int64_t i = 0; i < kK; ++i) {
      wrong_q += w.indexAt(r, i) != q[static_cast<size_t>(i * kN + r)];
      const float got = w.at(r, i), want = weight[static_cast<size_t>(r * kK + i)];
      wrong_w += std::memcmp(&got, &want, 4) != 0;
    }
  EXPECT_EQ(wrong_q, 0);
  EXPECT_EQ(wrong_w, 0);
}

TEST_P(SqueezeLlmFixture, ProductMatchesTheReferenceAtEveryLevel) {
  const Case c = GetParam();
  Fixture f(kFile);
  const SqueezeLlmWeights w =
      SqueezeLlmWeights::fromCheckpoint(SqueezeLlmConfig{}, layerTensors(f, c.sparse));
  const std::vector<float> x = f.floats("x"), want = f.floats(c.y);
  const int64_t rows = static_cast<int64_t>(x.size()) / kK;
  ASSERT_EQ(rows, 5);
  int levels = 0;
  for (cpu::SimdLevel level :
       {cpu::SimdLevel::Scalar, cpu::SimdLevel::Avx2, cpu::SimdLevel::Avx512}) {
    const SqueezeLlmKernels* k = squeezeLlmKernelsFor(level);
    if (!k) {
      std::cout << "[ skipped  ] " << cpu::simdLevelName(level) << " is not available\n";
      continue;
    }
    ++levels;
    std::vector<float> y(static_cast<size_t>(rows * kN), -1.0f);
    wharf_tensor xt = quant_test::hostF32(x.data(), rows, kK);
    wharf_tensor yt = quant_test::hostF32(y.data(), rows, kN);
    squeezeLlmForward(w, *k, xt, yt, CpuPool(nullptr));
    for (int64_t t = 0; t < rows; ++t) {
      for (int64_t r = 0; r < kN; ++r) {
        // The kernels compute the K dense products and the row's sparse ones exactly (FMA) or
        // with one rounding each, and add them up in f32 in some order: at most n = K + nnz + 1
        // roundings, so |error| <= gamma_n * sum |x| (|LUT| + |S|), gamma_n = n u / (1 - n u),
        // u = 2^-24 (Higham, Accuracy and Stability, 3.1). The reference adds LUT + S in f32
        // first (u |LUT + S| per sparse weight) and rounds its double product to f32 (u |y|).
        const double u = std::ldexp(1.0, -24);
        double sum_abs = 0, rounded_weights = 0;
        int64_t terms = kK + 1;
        for (int64_t i = 0; i < kK; ++i) {
          const double xi = std::fabs(static_cast<double>(x[t * kK + i]));
          float s = 0;
          const bool corrected = w.sparseAt(r, i, &s);
          sum_abs += xi * (std::fabs(w.rowLut(r)[w.indexAt(r, i)]) + std::fabs(s));
          if (corrected) {
            ++terms;
            rounded_weights += xi * u * std::fabs(w.at(r, i));
          }
        }
        const double n_u = static_cast<double>(terms) * u;
        const double bound = n_u / (1 - n_u) * sum_abs + rounded_weights +
                             u * std::fabs(static_cast<double>(want[t * kN + r]));
        EXPECT_NEAR(y[t * kN + r], want[t * kN + r], bound)
            << cpu::simdLevelName(level) << " row " << t << " feature " << r;
      }
    }
  }
  EXPECT_GE(levels, 1);
}

INSTANTIATE_TEST_SUITE_P(Fixture, SqueezeLlmFixture,
                         ::testing::Values(Case{false, "weight", "y"},
                                           Case{true, "weight_sparse", "y_sparse"}),
                         [](const auto& info) {
                           return std::string(info.param.sparse ? "DenseAndSparse" : "Dense");
                         });

TEST(SqueezeLlmPacking, PacksAndUnpacksTheReferencesQweightExactly) {
  Fixture f(kFile);
  const std::vector<uint8_t> q = f.bytes("q");  // [K, N]
  const wharf_tensor qweight = f.tensor("qweight");
  ASSERT_EQ(qweight.shape[0], kK / 8);
  ASSERT_EQ(qweight.shape[1], kN);
  int64_t wrong_packed = 0, wrong_unpacked = 0;
  for (int64_t pr = 0; pr < kK / 8; ++pr) {
    for (int64_t n = 0; n < kN; ++n) {
      const int32_t packed = loadI32(qweight, pr * kN + n);
      wrong_packed += packSqueezeLlm8(q.data() + pr * 8 * kN + n, kN) != packed;
      for (int j = 0; j < 8; ++j)
        wrong_unpacked +=
            squeezeLlmIndex(packed, j) != q[static_cast<size_t>((pr * 8 + j) * kN + n)];
    }
  }
  EXPECT_EQ(wrong_packed, 0);
  EXPECT_EQ(wrong_unpacked, 0);
}

// The reference's own hand example (tests/quant/test_packing_reference.py): indices 0..7 of one
// output feature pack to 0x76543210, and a 15 in nibble 7 makes the int32 negative.
TEST(SqueezeLlmPacking, PacksNibbleJAsInputJ) {
  const uint8_t ascending[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(packSqueezeLlm8(ascending), 0x76543210);
  const uint8_t last[8] = {0, 0, 0, 0, 0, 0, 0, 15};
  EXPECT_EQ(packSqueezeLlm8(last), static_cast<int32_t>(0xF0000000u));
  EXPECT_LT(packSqueezeLlm8(last), 0);
  for (int j = 0; j < 8; ++j) EXPECT_EQ(squeezeLlmIndex(0x76543210, j), j);
}

}  // namespace
}  // namespace wharf::quant_squeezellm

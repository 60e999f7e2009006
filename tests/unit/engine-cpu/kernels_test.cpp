// Every dispatch level's kernels against the scalar reference on random data.
#include "engine/cpu/kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "wharf/cpp/half.hpp"

namespace wharf::engine {
namespace {

std::vector<float> randomVector(size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

float bound(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] * b[i]);
  return s * 2e-5f + 1e-5f;
}

class KernelLevels : public ::testing::TestWithParam<SimdLevel> {};

TEST(Kernels, ReportsLevels) {
  auto levels = availableSimdLevels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), SimdLevel::Scalar);
  std::string names;
  for (SimdLevel l : levels) names += std::string(simdLevelName(l)) + " ";
  RecordProperty("levels", names);
  std::cout << "available SIMD levels: " << names << "(dispatch uses "
            << simdLevelName(kernels().level) << ")\n";
}

TEST(Kernels, Fp16RoundTrip) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1e-5f, 5.96e-8f, 1e-3f, 3.14159f}) {
    EXPECT_NEAR(fp16ToFloat(floatToFp16(f)), f, std::fabs(f) * 1e-3f + 6e-8f) << f;
  }
  for (uint32_t h = 0; h < 0x7C00; ++h) {
    ASSERT_EQ(floatToFp16(fp16ToFloat(static_cast<uint16_t>(h))), h);
  }
}

TEST_P(KernelLevels, MatchScalarReference) {
  const KernelTable* k = kernelsFor(GetParam());
  if (!k) GTEST_SKIP() << simdLevelName(GetParam()) << " is not available on this CPU";
  const KernelTable& ref = kernelsFor(SimdLevel::Scalar)[0];
  std::mt19937 rng(7);
  for (size_t n : {32u, 64u, 96u, 576u, 1536u, 2080u}) {
    auto w = randomVector(n, rng, 0.05f);
    auto x = randomVector(n, rng, 2.0f);
    size_t nb = n / 32;
    std::vector<BlockQ8> xq(nb), xq_ref(nb);
    k->quantize_q8(x.data(), xq.data(), n);
    ref.quantize_q8(x.data(), xq_ref.data(), n);
    for (size_t b = 0; b < nb; ++b) {
      ASSERT_FLOAT_EQ(xq[b].d, xq_ref[b].d);
      ASSERT_FLOAT_EQ(xq[b].s, xq_ref[b].s);
      ASSERT_EQ(xq[b].sum, xq_ref[b].sum);
      for (size_t j = 0; j < 32; ++j) ASSERT_EQ(xq[b].qs[j], xq_ref[b].qs[j]) << b << " " << j;
    }
    std::vector<uint8_t> q40(nb * kQ4_0Bytes), q41(nb * kQ4_1Bytes), q80(nb * kQ8_0Bytes);
    quantizeRowQ4_0(w.data(), q40.data(), n);
    quantizeRowQ4_1(w.data(), q41.data(), n);
    quantizeRowQ8_0(w.data(), q80.data(), n);
    float tol = bound(w, x);
    EXPECT_NEAR(k->dot_q4_0(q40.data(), xq.data(), nb), ref.dot_q4_0(q40.data(), xq.data(), nb),
                tol);
    EXPECT_NEAR(k->dot_q4_1(q41.data(), xq.data(), nb), ref.dot_q4_1(q41.data(), xq.data(), nb),
                tol);
    EXPECT_NEAR(k->dot_q8_0(q80.data(), xq.data(), nb), ref.dot_q8_0(q80.data(), xq.data(), nb),
                tol);

    // 4-row variants equal 4 single dots bitwise (batching must not change results).
    std::vector<BlockQ8> x4(4 * nb);
    for (size_t t = 0; t < 4; ++t) {
      auto xt = randomVector(n, rng, 1.0f + static_cast<float>(t));
      k->quantize_q8(xt.data(), x4.data() + t * nb, n);
    }
    float out4[4];
    k->dot4_q4_0(q40.data(), x4.data(), nb, nb, out4);
    for (size_t t = 0; t < 4; ++t) {
      EXPECT_EQ(out4[t], k->dot_q4_0(q40.data(), x4.data() + t * nb, nb));
    }
    k->dot4_q4_1(q41.data(), x4.data(), nb, nb, out4);
    for (size_t t = 0; t < 4; ++t) {
      EXPECT_EQ(out4[t], k->dot_q4_1(q41.data(), x4.data() + t * nb, nb));
    }
    k->dot4_q8_0(q80.data(), x4.data(), nb, nb, out4);
    for (size_t t = 0; t < 4; ++t) {
      EXPECT_EQ(out4[t], k->dot_q8_0(q80.data(), x4.data() + t * nb, nb));
    }

    // 2 rows x 4 tokens: the same row twice must give the single results twice, bitwise.
    {
      auto check2x4 = [&](auto dot2x4, auto dot1, const std::vector<uint8_t>& rowq, size_t bytes) {
        std::vector<uint8_t> two(2 * bytes);
        std::copy(rowq.begin(), rowq.end(), two.begin());
        std::copy(rowq.begin(), rowq.end(), two.begin() + static_cast<long>(bytes));
        float out8[8];
        dot2x4(two.data(), bytes, x4.data(), nb, nb, out8);
        for (size_t r = 0; r < 2; ++r) {
          for (size_t t = 0; t < 4; ++t) {
            EXPECT_EQ(out8[r * 4 + t], dot1(rowq.data(), x4.data() + t * nb, nb));
          }
        }
      };
      check2x4(k->dot2x4_q4_0, k->dot_q4_0, q40, q40.size());
      check2x4(k->dot2x4_q4_1, k->dot_q4_1, q41, q41.size());
      check2x4(k->dot2x4_q8_0, k->dot_q8_0, q80, q80.size());
    }

    // Attention row kernels: rows of an f16 matrix with a stride, against the scalar ones.
    {
      const size_t hd = 64, rows = n / hd, stride = 3 * hd * 2;  // every third head slot
      std::vector<uint16_t> cache(rows * 3 * hd);
      for (size_t i = 0; i < cache.size(); ++i) cache[i] = floatToFp16(x[i % n] * 0.1f);
      auto base = reinterpret_cast<const uint8_t*>(cache.data());
      std::vector<float> got(rows), want(rows);
      k->dot_f16_rows(base, stride, rows, w.data(), hd, got.data());
      ref.dot_f16_rows(base, stride, rows, w.data(), hd, want.data());
      for (size_t j = 0; j < rows; ++j) EXPECT_NEAR(got[j], want[j], 1e-4f);
      std::vector<float> out1(hd, 0.5f), out2(hd, 0.5f);
      k->axpy_f16_rows(base, stride, rows, w.data(), out1.data(), hd);
      ref.axpy_f16_rows(base, stride, rows, w.data(), out2.data(), hd);
      for (size_t i = 0; i < hd; ++i) EXPECT_NEAR(out1[i], out2[i], 1e-4f);
    }

    {
      std::vector<float> a = x, b = x;
      k->round_to_f16(a.data(), n - 3);
      ref.round_to_f16(b.data(), n - 3);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(a[i], b[i]) << i;
    }

    // The scalar quantized dots agree with dequantize-then-multiply.
    std::vector<float> wd(n), xd(n);
    for (size_t b = 0; b < nb; ++b) {
      for (size_t j = 0; j < 32; ++j) xd[b * 32 + j] = xq[b].d * xq[b].qs[j];
    }
    dequantizeRow(GgmlType::Q4_0, q40.data(), wd.data(), n);
    double exact = 0;
    for (size_t i = 0; i < n; ++i) exact += static_cast<double>(wd[i]) * xd[i];
    EXPECT_NEAR(ref.dot_q4_0(q40.data(), xq.data(), nb), exact, tol);

    std::vector<uint16_t> f16(n), bf16(n);
    for (size_t i = 0; i < n; ++i) {
      f16[i] = floatToFp16(w[i]);
      uint32_t bits;
      std::memcpy(&bits, &w[i], 4);
      bf16[i] = static_cast<uint16_t>(bits >> 16);
    }
    auto f16p = reinterpret_cast<const uint8_t*>(f16.data());
    auto bf16p = reinterpret_cast<const uint8_t*>(bf16.data());
    for (size_t len : {n, n - 5}) {
      EXPECT_NEAR(k->dot_f16(f16p, x.data(), len), ref.dot_f16(f16p, x.data(), len), tol);
      EXPECT_NEAR(k->dot_bf16(bf16p, x.data(), len), ref.dot_bf16(bf16p, x.data(), len), tol);
      EXPECT_NEAR(k->dot_f32(w.data(), x.data(), len), ref.dot_f32(w.data(), x.data(), len), tol);
      std::vector<float> y1 = x, y2 = x;
      k->axpy(0.37f, w.data(), y1.data(), len);
      ref.axpy(0.37f, w.data(), y2.data(), len);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-5f);
      k->axpy_f16(0.37f, f16p, y1.data(), len);
      ref.axpy_f16(0.37f, f16p, y2.data(), len);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-5f);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllLevels, KernelLevels,
                         ::testing::Values(SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512,
                                           SimdLevel::Avx512Vnni),
                         [](const auto& info) {
                           std::string n = simdLevelName(info.param);
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace wharf::engine

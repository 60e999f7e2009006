// quant-awq's kernels at every SIMD level this CPU has, for decode (1-16 rows) and prefill shapes
// and group sizes 32/64/128: against a double-precision product over the dequantized weights,
// within the exact bound of the activations' 8-bit rounding; the threaded split gives the same
// bits as the serial one, and several layers in one call (q/k/v) the same bits as one by one.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "awq_config.hpp"
#include "awq_forward.hpp"
#include "awq_quantize.hpp"
#include "awq_weights.hpp"
#include "quant_test_util.hpp"

namespace wharf::quant_awq {
namespace {

// A random layer of n x k through the RTN quantizer and the checkpoint reader.
AwqWeights randomLayer(int64_t n, int64_t k, int64_t group, bool zero_point, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (float& v : w) v = dist(rng);
  const AwqTensors t = quantizeAwqRtn(quant_test::hostF32(w.data(), n, k), group, zero_point);
  auto view = [](const char* name, wharf_dtype dtype, int64_t r, int64_t c, const void* data) {
    wharf_tensor v = quant_test::hostF32(nullptr, r, c);
    v.name = name;
    v.dtype = dtype;
    v.data = data;
    return v;
  };
  AwqConfig c;
  c.group_size = group;
  c.zero_point = zero_point;
  return AwqWeights::fromCheckpoint(
      c, {view("qweight", WHARF_DTYPE_I32, k, n / 8, t.qweight.data()),
          view("qzeros", WHARF_DTYPE_I32, k / group, n / 8, t.qzeros.data()),
          view("scales", WHARF_DTYPE_F16, k / group, n, t.scales.data())});
}

struct Shape {
  int64_t n, k, group, rows;
  bool zero_point;
  friend void PrintTo(const Shape& s, std::ostream* os) {
    *os << s.n << " x " << s.k << ", group " << s.group << ", " << s.rows << " rows";
  }
};

class AwqKernelsTest : public ::testing::TestWithParam<Shape> {};

TEST_P(AwqKernelsTest, EveryLevelMatchesTheDoubleProduct) {
  const Shape s = GetParam();
  const AwqWeights w = randomLayer(s.n, s.k, s.group, s.zero_point, 7);
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(s.rows * s.k));
  for (float& v : x) v = dist(rng);
  x[3] = 40.0f;  // an outlier channel, as real activations have
  const std::vector<double> ref = quant_test::referenceProduct(
      x, s.rows, s.k, s.n, [&](int64_t r, int64_t i) { return w.at(r, i); });
  std::vector<float> serial;
  for (cpu::SimdLevel level : {cpu::SimdLevel::Scalar, cpu::SimdLevel::Avx2, cpu::SimdLevel::Avx512,
                               cpu::SimdLevel::Avx512Vnni}) {
    const AwqKernels* k = awqKernelsFor(level);
    if (!k) {
      std::cout << "[ skipped  ] " << cpu::simdLevelName(level) << " is not available\n";
      continue;
    }
    for (uint32_t workers : {1u, 3u}) {
      quant_test::ThreadsPool threads(workers);
      std::vector<float> y(static_cast<size_t>(s.rows * s.n), -1.0f);
      wharf_tensor xt = quant_test::hostF32(x.data(), s.rows, s.k);
      wharf_tensor yt = quant_test::hostF32(y.data(), s.rows, s.n);
      awqForward(w, *k, xt, yt, CpuPool(threads.get()));
      for (int64_t t = 0; t < s.rows; ++t) {
        for (int64_t r = 0; r < s.n; ++r) {
          double bound = 1e-4;
          for (int64_t b = 0; b < s.k / 32; ++b) {
            double amax = 0, wsum = 0;
            for (int64_t i = b * 32; i < b * 32 + 32; ++i) {
              amax = std::max(amax, std::fabs(static_cast<double>(x[t * s.k + i])));
              wsum += std::fabs(static_cast<double>(w.at(r, i)));
            }
            bound += 1.01 * amax / 127 / 2 * wsum;
          }
          ASSERT_NEAR(y[t * s.n + r], ref[t * s.n + r], bound)
              << cpu::simdLevelName(level) << " workers " << workers << " row " << t << " feature "
              << r;
        }
      }
      if (level == cpu::SimdLevel::Scalar && workers == 1) serial = y;
      if (level == cpu::SimdLevel::Scalar) {
        EXPECT_EQ(y, serial) << "threads changed the bits";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AwqKernelsTest,
                         ::testing::Values(Shape{64, 128, 32, 1, true}, Shape{72, 192, 64, 3, true},
                                           Shape{48, 384, 128, 16, true},
                                           Shape{40, 256, 128, 5, false},
                                           Shape{32, 576, 64, 37, true},
                                           Shape{24, 1536, 128, 2, true}),
                         [](const auto& info) {
                           const Shape& s = info.param;
                           return std::to_string(s.n) + "x" + std::to_string(s.k) + "_g" +
                                  std::to_string(s.group) + "_rows" + std::to_string(s.rows) +
                                  (s.zero_point ? "" : "_symmetric");
                         });

}  // namespace
}  // namespace wharf::quant_awq

namespace wharf::quant_awq {
namespace {

// A token's output does not depend on the batch it is computed in (engine-cpu's guarantee:
// batching, chunking and preemption never change greedy outputs).
TEST(AwqKernelsBatch, ARowsResultIsTheSameAloneAndInABatch) {
  const AwqWeights w = randomLayer(64, 256, 64, true, 5);
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const int64_t rows = 21;
  std::vector<float> x(static_cast<size_t>(rows * w.k));
  for (float& v : x) v = dist(rng);
  for (cpu::SimdLevel level : {cpu::SimdLevel::Scalar, cpu::SimdLevel::Avx2, cpu::SimdLevel::Avx512,
                               cpu::SimdLevel::Avx512Vnni}) {
    const AwqKernels* k = awqKernelsFor(level);
    if (!k) continue;
    std::vector<float> batch(static_cast<size_t>(rows * w.n));
    wharf_tensor xt = quant_test::hostF32(x.data(), rows, w.k);
    wharf_tensor yt = quant_test::hostF32(batch.data(), rows, w.n);
    awqForward(w, *k, xt, yt, CpuPool(nullptr));
    for (int64_t t = 0; t < rows; ++t) {
      std::vector<float> alone(static_cast<size_t>(w.n));
      wharf_tensor x1 = quant_test::hostF32(x.data() + t * w.k, 1, w.k);
      wharf_tensor y1 = quant_test::hostF32(alone.data(), 1, w.n);
      awqForward(w, *k, x1, y1, CpuPool(nullptr));
      EXPECT_EQ(std::memcmp(alone.data(), batch.data() + t * w.n, alone.size() * 4), 0)
          << cpu::simdLevelName(level) << " row " << t;
    }
  }
}

// q/k/v in one call: one quantization of x per group size and one parallel loop over all the
// layers' features give each layer the bits it gets alone (a layer of another group size in the
// middle makes its own run).
TEST(AwqKernelsMany, LayersInOneCallMatchLayersOneByOne) {
  const std::vector<AwqWeights> layers = {
      randomLayer(64, 256, 64, true, 11), randomLayer(24, 256, 64, true, 12),
      randomLayer(40, 256, 32, false, 13), randomLayer(24, 256, 64, true, 14)};
  std::vector<const AwqWeights*> ptrs;
  for (const AwqWeights& w : layers) ptrs.push_back(&w);
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const quant_test::ThreadsPool threads(3);
  for (int64_t rows : {1, 5, 16, 23}) {
    std::vector<float> x(static_cast<size_t>(rows * 256));
    for (float& v : x) v = dist(rng);
    const wharf_tensor xt = quant_test::hostF32(x.data(), rows, 256);
    std::vector<std::vector<float>> many(layers.size()), alone(layers.size());
    std::vector<wharf_tensor> ys;
    for (size_t i = 0; i < layers.size(); ++i) {
      many[i].assign(static_cast<size_t>(rows * layers[i].n), -1.0f);
      alone[i].assign(many[i].size(), -2.0f);
      ys.push_back(quant_test::hostF32(many[i].data(), rows, layers[i].n));
    }
    awqForwardMany(ptrs, awqKernels(), xt, ys, CpuPool(threads.get()));
    for (size_t i = 0; i < layers.size(); ++i) {
      wharf_tensor y1 = quant_test::hostF32(alone[i].data(), rows, layers[i].n);
      awqForward(layers[i], awqKernels(), xt, y1, CpuPool(nullptr));
      EXPECT_EQ(std::memcmp(alone[i].data(), many[i].data(), alone[i].size() * 4), 0)
          << "layer " << i << ", " << rows << " rows";
    }
  }
}

TEST(AwqKernelsMany, RefusesALayerOfAnotherWidthOrAMissingOutput) {
  const AwqWeights a = randomLayer(32, 256, 64, true, 1), b = randomLayer(32, 128, 64, true, 2);
  std::vector<float> x(256), y0(32), y1(32);
  const wharf_tensor xt = quant_test::hostF32(x.data(), 1, 256);
  std::vector<wharf_tensor> ys = {quant_test::hostF32(y0.data(), 1, 32),
                                  quant_test::hostF32(y1.data(), 1, 32)};
  const AwqWeights* mixed[] = {&a, &b};
  EXPECT_EQ(
      quant_test::errorOf([&] { awqForwardMany(mixed, awqKernels(), xt, ys, CpuPool(nullptr)); }),
      "AWQ forward: x is F32 [1 x 256], expected host F32 [rows x 128]");
  const AwqWeights* one[] = {&a};
  EXPECT_EQ(
      quant_test::errorOf([&] { awqForwardMany(one, awqKernels(), xt, ys, CpuPool(nullptr)); }),
      "AWQ forward: 1 layers but 2 outputs");
}

}  // namespace
}  // namespace wharf::quant_awq

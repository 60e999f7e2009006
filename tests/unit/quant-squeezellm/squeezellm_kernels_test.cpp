// quant-squeezellm's kernels at every SIMD level this CPU has, for decode (1-16 rows) and prefill
// shapes, dense and dense-and-sparse: against a double-precision product over the exact weights
// (LUT + S), within the exact bound of f32 accumulation; the threaded split gives the same bits
// as the serial one at every level, and several layers in one call (q/k/v) the same bits as one
// by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "quant_test_util.hpp"
#include "squeezellm_config.hpp"
#include "squeezellm_forward.hpp"
#include "squeezellm_packing.hpp"
#include "squeezellm_weights.hpp"

namespace wharf::quant_squeezellm {
namespace {

using quant_test::view;

// A random n x k layer: random indices and sorted f16 tables packed as a checkpoint, with about
// `density` of the weights corrected by sparse f16 values, through the checkpoint reader.
SqueezeLlmWeights randomLayer(int64_t n, int64_t k, double density, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::uniform_int_distribution<int> index(0, 15);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<uint8_t> q(static_cast<size_t>(n * k));  // [n][k]
  for (uint8_t& v : q) v = static_cast<uint8_t>(index(rng));
  std::vector<int32_t> qweight(static_cast<size_t>(k / 8 * n));
  for (int64_t pr = 0; pr < k / 8; ++pr)
    for (int64_t r = 0; r < n; ++r)
      qweight[static_cast<size_t>(pr * n + r)] = packSqueezeLlm8(q.data() + r * k + pr * 8);
  std::vector<uint16_t> lut(static_cast<size_t>(n * 16));
  for (int64_t r = 0; r < n; ++r) {
    float row[16];
    for (float& v : row) v = dist(rng);
    std::sort(row, row + 16);
    for (int j = 0; j < 16; ++j) lut[static_cast<size_t>(r * 16 + j)] = floatToFp16(row[j]);
  }
  std::vector<int32_t> indptr{0}, indices;
  std::vector<uint16_t> values;
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t i = 0; i < k; ++i) {
      if (coin(rng) < density) {
        indices.push_back(static_cast<int32_t>(i));
        values.push_back(floatToFp16(dist(rng) * 5));
      }
    }
    indptr.push_back(static_cast<int32_t>(indices.size()));
  }
  const auto nnz = static_cast<int64_t>(indices.size());
  indices.push_back(0);  // a data pointer even when nnz is 0
  values.push_back(0);
  std::vector<wharf_tensor> t = {view("qweight", WHARF_DTYPE_I32, {k / 8, n}, qweight.data()),
                                 view("lookup_table", WHARF_DTYPE_F16, {n, 16}, lut.data())};
  if (density > 0) {
    t.push_back(view("sparse_indptr", WHARF_DTYPE_I32, {n + 1}, indptr.data()));
    t.push_back(view("sparse_indices", WHARF_DTYPE_I32, {nnz}, indices.data()));
    t.push_back(view("sparse_values", WHARF_DTYPE_F16, {nnz}, values.data()));
  }
  return SqueezeLlmWeights::fromCheckpoint(SqueezeLlmConfig{}, t);
}

struct Shape {
  int64_t n, k, rows;
  double density;
  friend void PrintTo(const Shape& s, std::ostream* os) {
    *os << s.n << " x " << s.k << ", " << s.rows << " rows, sparse density " << s.density;
  }
};

class SqueezeLlmKernelsTest : public ::testing::TestWithParam<Shape> {};

TEST_P(SqueezeLlmKernelsTest, EveryLevelMatchesTheDoubleProductAndThreadsKeepTheBits) {
  const Shape s = GetParam();
  const SqueezeLlmWeights w = randomLayer(s.n, s.k, s.density, 7);
  if (s.density > 0) {
    EXPECT_GT(w.nnz(), 0);
  }
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(s.rows * s.k));
  for (float& v : x) v = dist(rng);
  x[3] = 40.0f;  // an outlier channel, as real activations have
  // The exact weights: LUT + S in double (the kernels add the sparse products separately).
  auto exact = [&](int64_t r, int64_t i) {
    float sv = 0;
    return static_cast<double>(w.rowLut(r)[w.indexAt(r, i)]) +
           (w.sparseAt(r, i, &sv) ? static_cast<double>(sv) : 0.0);
  };
  const std::vector<double> ref = quant_test::referenceProduct(x, s.rows, s.k, s.n, exact);
  // f32 accumulation of K + nnz(row) products and one addition: |error| <= gamma_n * sum |x| |w|
  // with n = K + nnz + 1 (see the fixture test); one more u covers the double reference's own
  // error (about K 2^-53 relative).
  const double u = std::ldexp(1.0, -24);
  std::vector<double> bound(static_cast<size_t>(s.rows * s.n));
  for (int64_t t = 0; t < s.rows; ++t)
    for (int64_t r = 0; r < s.n; ++r) {
      double sum_abs = 0;
      for (int64_t i = 0; i < s.k; ++i) {
        float sv = 0;
        const bool corrected = w.sparseAt(r, i, &sv);
        sum_abs += std::fabs(static_cast<double>(x[t * s.k + i])) *
                   (std::fabs(w.rowLut(r)[w.indexAt(r, i)]) + (corrected ? std::fabs(sv) : 0.0));
      }
      const int64_t nnz =
          w.sparse_rows[static_cast<size_t>(r + 1)] - w.sparse_rows[static_cast<size_t>(r)];
      const double n_u = static_cast<double>(s.k + nnz + 1 + 1) * u;
      bound[static_cast<size_t>(t * s.n + r)] = n_u / (1 - n_u) * sum_abs + 1e-30;
    }
  int levels = 0;
  for (cpu::SimdLevel level :
       {cpu::SimdLevel::Scalar, cpu::SimdLevel::Avx2, cpu::SimdLevel::Avx512}) {
    const SqueezeLlmKernels* k = squeezeLlmKernelsFor(level);
    if (!k) {
      std::cout << "[ skipped  ] " << cpu::simdLevelName(level) << " is not available\n";
      continue;
    }
    ++levels;
    std::vector<float> serial;
    for (uint32_t workers : {1u, 3u}) {
      quant_test::ThreadsPool threads(workers);
      std::vector<float> y(static_cast<size_t>(s.rows * s.n), -1.0f);
      wharf_tensor xt = quant_test::hostF32(x.data(), s.rows, s.k);
      wharf_tensor yt = quant_test::hostF32(y.data(), s.rows, s.n);
      squeezeLlmForward(w, *k, xt, yt, CpuPool(threads.get()));
      for (int64_t t = 0; t < s.rows; ++t) {
        for (int64_t r = 0; r < s.n; ++r) {
          const size_t at = static_cast<size_t>(t * s.n + r);
          ASSERT_NEAR(y[at], ref[at], bound[at]) << cpu::simdLevelName(level) << " workers "
                                                 << workers << " row " << t << " feature " << r;
        }
      }
      if (workers == 1) serial = y;
      EXPECT_EQ(std::memcmp(y.data(), serial.data(), y.size() * 4), 0)
          << cpu::simdLevelName(level) << ": threads changed the bits";
    }
  }
  EXPECT_GE(levels, 1);
}

// Rows are computed 4 at a time: one row's result must not depend on its neighbours.
TEST(SqueezeLlmKernels, ARowsResultDoesNotDependOnTheRowsBesideIt) {
  const SqueezeLlmWeights w = randomLayer(24, 576, 0.01, 3);
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(7 * w.k));
  for (float& v : x) v = dist(rng);
  for (cpu::SimdLevel level :
       {cpu::SimdLevel::Scalar, cpu::SimdLevel::Avx2, cpu::SimdLevel::Avx512}) {
    const SqueezeLlmKernels* k = squeezeLlmKernelsFor(level);
    if (!k) continue;
    std::vector<float> all(static_cast<size_t>(7 * w.n));
    wharf_tensor xt = quant_test::hostF32(x.data(), 7, w.k);
    wharf_tensor yt = quant_test::hostF32(all.data(), 7, w.n);
    squeezeLlmForward(w, *k, xt, yt, CpuPool(nullptr));
    for (int64_t t = 0; t < 7; ++t) {
      std::vector<float> one(static_cast<size_t>(w.n));
      wharf_tensor x1 = quant_test::hostF32(x.data() + t * w.k, 1, w.k);
      wharf_tensor y1 = quant_test::hostF32(one.data(), 1, w.n);
      squeezeLlmForward(w, *k, x1, y1, CpuPool(nullptr));
      EXPECT_EQ(std::memcmp(one.data(), all.data() + t * w.n, one.size() * 4), 0)
          << cpu::simdLevelName(level) << " row " << t;
    }
  }
}

// q/k/v in one call: one parallel loop over every layer's features gives each layer the bits it
// gets alone.
TEST(SqueezeLlmKernels, LayersInOneCallMatchLayersOneByOne) {
  const std::vector<SqueezeLlmWeights> layers = {
      randomLayer(64, 192, 0.01, 21), randomLayer(24, 192, 0, 22), randomLayer(24, 192, 0.02, 23)};
  std::vector<const SqueezeLlmWeights*> ptrs;
  for (const SqueezeLlmWeights& w : layers) ptrs.push_back(&w);
  std::mt19937 rng(8);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const quant_test::ThreadsPool threads(3);
  for (int64_t rows : {1, 6, 19}) {
    std::vector<float> x(static_cast<size_t>(rows * 192));
    for (float& v : x) v = dist(rng);
    const wharf_tensor xt = quant_test::hostF32(x.data(), rows, 192);
    std::vector<std::vector<float>> many(layers.size());
    std::vector<wharf_tensor> ys;
    for (size_t i = 0; i < layers.size(); ++i) {
      many[i].assign(static_cast<size_t>(rows * layers[i].n), -1.0f);
      ys.push_back(quant_test::hostF32(many[i].data(), rows, layers[i].n));
    }
    squeezeLlmForwardMany(ptrs, squeezeLlmKernels(), xt, ys, CpuPool(threads.get()));
    for (size_t i = 0; i < layers.size(); ++i) {
      std::vector<float> alone(many[i].size(), -2.0f);
      wharf_tensor y1 = quant_test::hostF32(alone.data(), rows, layers[i].n);
      squeezeLlmForward(layers[i], squeezeLlmKernels(), xt, y1, CpuPool(nullptr));
      EXPECT_EQ(std::memcmp(alone.data(), many[i].data(), alone.size() * 4), 0)
          << "layer " << i << ", " << rows << " rows";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SqueezeLlmKernelsTest,
                         ::testing::Values(Shape{64, 128, 1, 0}, Shape{40, 576, 3, 0.01},
                                           Shape{24, 1536, 16, 0.005}, Shape{33, 96, 37, 0.02},
                                           Shape{48, 576, 37, 0}, Shape{16, 1536, 1, 0.01},
                                           Shape{8, 32, 5, 0.1}, Shape{1, 64, 16, 0.05}),
                         [](const auto& info) {
                           const Shape& s = info.param;
                           return std::to_string(s.n) + "x" + std::to_string(s.k) + "_rows" +
                                  std::to_string(s.rows) + (s.density > 0 ? "_sparse" : "_dense");
                         });

}  // namespace
}  // namespace wharf::quant_squeezellm

// quant-squeezellm's quantizer: the sensitivity-weighted k-means beats a uniform 16-level grid on
// every row, moves its error off the channels that weigh most, never raises its objective over
// Lloyd iterations and recovers a row of 16 values exactly; "sparse" takes that fraction of the
// weights farthest from their row's mean out as f16 corrections and lowers the error; F16/BF16
// weights quantize like the same values in F32; bad options are refused naming the key.
#include "squeezellm_quantize.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "quant_test_util.hpp"
#include "squeezellm_packing.hpp"

namespace wharf::quant_squeezellm {
namespace {

using quant_test::errorOf;

// n x k weights, normal with a heavier tail: one in 50 is 6 times wider.
std::vector<float> randomWeights(int64_t n, int64_t k, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::uniform_int_distribution<int> tail(0, 49);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (float& v : w) v = dist(rng) * (tail(rng) == 0 ? 6.0f : 1.0f);
  return w;
}

SqueezeLlmTensors quantize(const std::vector<float>& w, int64_t n, int64_t k,
                           const SqueezeLlmQuantizeOptions& o) {
  return quantizeSqueezeLlm(quant_test::hostF32(w.data(), n, k), o);
}

// The weights the tensors stand for, read from the tensors themselves: LUT[n][index] (+ S).
std::vector<float> dequantize(const SqueezeLlmTensors& t) {
  std::vector<float> w(static_cast<size_t>(t.n * t.k));
  for (int64_t r = 0; r < t.n; ++r)
    for (int64_t i = 0; i < t.k; ++i) {
      const uint8_t idx = squeezeLlmIndex(t.qweight[static_cast<size_t>((i / 8) * t.n + r)], i % 8);
      w[static_cast<size_t>(r * t.k + i)] =
          fp16ToFloat(t.lookup_table[static_cast<size_t>(r * 16 + idx)]);
    }
  if (t.sparse)
    for (int64_t r = 0; r < t.n; ++r)
      for (int32_t e = t.sparse_indptr[static_cast<size_t>(r)];
           e < t.sparse_indptr[static_cast<size_t>(r + 1)]; ++e)
        w[static_cast<size_t>(r * t.k + t.sparse_indices[static_cast<size_t>(e)])] +=
            fp16ToFloat(t.sparse_values[static_cast<size_t>(e)]);
  return w;
}

// sum over row r of s[i] (w - q)^2 (s empty: all 1).
double rowError(const std::vector<float>& w, const std::vector<float>& q, int64_t r, int64_t k,
                const std::vector<float>& s = {}) {
  double e = 0;
  for (int64_t i = 0; i < k; ++i) {
    const double d =
        static_cast<double>(w[static_cast<size_t>(r * k + i)]) - q[static_cast<size_t>(r * k + i)];
    e += (s.empty() ? 1.0 : s[static_cast<size_t>(i)]) * d * d;
  }
  return e;
}

// Row r on a uniform grid of 16 levels from its minimum to its maximum, nearest level.
std::vector<float> uniformGrid(const std::vector<float>& w, int64_t n, int64_t k) {
  std::vector<float> q(w.size());
  for (int64_t r = 0; r < n; ++r) {
    const auto first = w.begin() + r * k, last = first + k;
    const float lo = *std::min_element(first, last), hi = *std::max_element(first, last);
    const float step = (hi - lo) / 15;
    for (int64_t i = 0; i < k; ++i) {
      const float v = w[static_cast<size_t>(r * k + i)];
      const float level = std::clamp(std::nearbyint((v - lo) / step), 0.0f, 15.0f);
      q[static_cast<size_t>(r * k + i)] = lo + level * step;
    }
  }
  return q;
}

TEST(SqueezeLlmQuantize, KMeansBeatsAUniformGridOnEveryRow) {
  const int64_t n = 32, k = 256;
  const std::vector<float> w = randomWeights(n, k, 1);
  std::mt19937 rng(2);
  std::exponential_distribution<float> sens(1.0f);
  SqueezeLlmQuantizeOptions o;
  for (int64_t i = 0; i < k; ++i) o.sensitivity.push_back(sens(rng));
  const SqueezeLlmTensors t = quantize(w, n, k, o);
  EXPECT_FALSE(t.sparse);
  const std::vector<float> q = dequantize(t), grid = uniformGrid(w, n, k);
  double kmeans_total = 0, grid_total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const double e = rowError(w, q, r, k, o.sensitivity),
                 g = rowError(w, grid, r, k, o.sensitivity);
    EXPECT_LT(e, g) << "row " << r;
    kmeans_total += e;
    grid_total += g;
  }
  EXPECT_LT(kmeans_total, 0.7 * grid_total);
  std::cout << "[ info     ] weighted squared error: k-means " << kmeans_total << ", uniform grid "
            << grid_total << "\n";
}

TEST(SqueezeLlmQuantize, ChannelsThatWeighMoreGetASmallerError) {
  const int64_t n = 32, k = 256;
  const std::vector<float> w = randomWeights(n, k, 3);
  SqueezeLlmQuantizeOptions flat, focused;
  focused.sensitivity.assign(static_cast<size_t>(k), 1.0f);
  for (int64_t i = 0; i < k; i += 16) focused.sensitivity[static_cast<size_t>(i)] = 1000.0f;
  const std::vector<float> q_flat = dequantize(quantize(w, n, k, flat));
  const std::vector<float> q_focused = dequantize(quantize(w, n, k, focused));
  double on_flat = 0, on_focused = 0, off_flat = 0, off_focused = 0;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i) {
      const size_t at = static_cast<size_t>(r * k + i);
      const double df = w[at] - q_flat[at], dc = w[at] - q_focused[at];
      (i % 16 == 0 ? on_flat : off_flat) += df * df;
      (i % 16 == 0 ? on_focused : off_focused) += dc * dc;
    }
  EXPECT_LT(on_focused, 0.25 * on_flat) << "the heavy channels' error";
  EXPECT_GT(off_focused, off_flat) << "the error moves to the other channels";
}

TEST(SqueezeLlmQuantize, LloydIterationsNeverRaiseTheObjective) {
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::exponential_distribution<float> sens(1.0f);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> v(300), s(300);
    for (float& x : v) x = dist(rng) * (trial % 3 == 0 ? dist(rng) : 1.0f);
    for (float& x : s) x = sens(rng);
    std::sort(v.begin(), v.end());
    double previous = 1e300;
    for (int64_t iterations : {0, 1, 2, 3, 5, 10, 30, 100}) {
      const std::array<float, 16> c = weightedKMeans1d(v.data(), s.data(), 300, iterations);
      EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
      double e = 0;
      for (size_t i = 0; i < v.size(); ++i) {
        double best = 1e300;
        for (float cj : c) best = std::min(best, (static_cast<double>(v[i]) - cj) * (v[i] - cj));
        e += s[i] * best;
      }
      EXPECT_LE(e, previous * (1 + 1e-6))
          << "trial " << trial << ", " << iterations << " iterations";
      previous = e;
    }
  }
}

TEST(SqueezeLlmQuantize, RecoversARowOfSixteenValuesExactly) {
  const int64_t n = 4, k = 128;
  std::mt19937 rng(5);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (int64_t r = 0; r < n; ++r) {
    std::vector<float> row;
    for (int j = 0; j < 16; ++j)
      for (int copy = 0; copy < 8; ++copy)
        row.push_back(fp16ToFloat(floatToFp16(0.01f * static_cast<float>(j * j - 40 + r))));
    std::shuffle(row.begin(), row.end(), rng);
    std::copy(row.begin(), row.end(), w.begin() + r * k);
  }
  const std::vector<float> q = dequantize(quantize(w, n, k, {}));
  EXPECT_EQ(std::memcmp(q.data(), w.data(), w.size() * 4), 0);
}

TEST(SqueezeLlmQuantize, SparseTakesTheFarthestWeightsOutAndLowersTheError) {
  const int64_t n = 64, k = 256;
  const std::vector<float> w = randomWeights(n, k, 6);
  SqueezeLlmQuantizeOptions sparse;
  sparse.sparse = 0.01;
  const SqueezeLlmTensors dense_t = quantize(w, n, k, {}), sparse_t = quantize(w, n, k, sparse);
  ASSERT_TRUE(sparse_t.sparse);
  const auto nnz = static_cast<int64_t>(sparse_t.sparse_indices.size());
  EXPECT_EQ(nnz, 164);  // round(0.01 * 64 * 256)
  EXPECT_EQ(sparse_t.sparse_indptr.back(), nnz);
  EXPECT_EQ(sparse_t.sparse_values.size(), sparse_t.sparse_indices.size());
  // The outliers are the weights farthest from their row's mean, and stored exactly but for the
  // f16 rounding of the correction.
  std::vector<double> mean(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    double s = 0;
    for (int64_t i = 0; i < k; ++i) s += w[static_cast<size_t>(r * k + i)];
    mean[static_cast<size_t>(r)] = s / k;
  }
  std::vector<bool> taken(w.size());
  double nearest_taken = 1e300;
  const std::vector<float> q = dequantize(sparse_t);
  for (int64_t r = 0; r < n; ++r)
    for (int32_t e = sparse_t.sparse_indptr[static_cast<size_t>(r)];
         e < sparse_t.sparse_indptr[static_cast<size_t>(r + 1)]; ++e) {
      const int32_t i = sparse_t.sparse_indices[static_cast<size_t>(e)];
      if (e > sparse_t.sparse_indptr[static_cast<size_t>(r)]) {
        EXPECT_GT(i, sparse_t.sparse_indices[static_cast<size_t>(e - 1)]);
      }
      const size_t at = static_cast<size_t>(r * k + i);
      taken[at] = true;
      nearest_taken = std::min(nearest_taken, std::fabs(w[at] - mean[static_cast<size_t>(r)]));
      const double correction = fp16ToFloat(sparse_t.sparse_values[static_cast<size_t>(e)]);
      EXPECT_LE(std::fabs(static_cast<double>(q[at]) - w[at]),
                std::ldexp(std::fabs(correction), -11) + std::ldexp(std::fabs(w[at]), -23))
          << "row " << r << " input " << i;
    }
  for (size_t at = 0; at < w.size(); ++at)
    if (!taken[at]) {
      EXPECT_LE(std::fabs(w[at] - mean[at / static_cast<size_t>(k)]), nearest_taken + 1e-7);
    }
  const std::vector<float> q_dense = dequantize(dense_t);
  double e_dense = 0, e_sparse = 0;
  for (int64_t r = 0; r < n; ++r) {
    e_dense += rowError(w, q_dense, r, k);
    e_sparse += rowError(w, q, r, k);
  }
  EXPECT_LT(e_sparse, 0.8 * e_dense);
  std::cout << "[ info     ] squared error: dense " << e_dense << ", 1% sparse " << e_sparse
            << "\n";
}

TEST(SqueezeLlmQuantize, ReadsF16AndBf16LikeTheSameValuesInF32) {
  const int64_t n = 8, k = 64;
  const std::vector<float> w = randomWeights(n, k, 7);
  for (wharf_dtype dtype : {WHARF_DTYPE_F16, WHARF_DTYPE_BF16}) {
    std::vector<uint16_t> half(w.size());
    std::vector<float> widened(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      if (dtype == WHARF_DTYPE_F16) {
        half[i] = floatToFp16(w[i]);
        widened[i] = fp16ToFloat(half[i]);
      } else {
        uint32_t bits;
        std::memcpy(&bits, &w[i], 4);
        half[i] = static_cast<uint16_t>(bits >> 16);
        widened[i] = bf16ToFloat(half[i]);
      }
    }
    wharf_tensor t = quant_test::hostF32(half.data(), n, k);
    t.dtype = dtype;
    SqueezeLlmQuantizeOptions o;
    o.sparse = 0.02;
    const SqueezeLlmTensors a = quantizeSqueezeLlm(t, o), b = quantize(widened, n, k, o);
    EXPECT_EQ(a.qweight, b.qweight) << dtypeName(dtype);
    EXPECT_EQ(a.lookup_table, b.lookup_table) << dtypeName(dtype);
    EXPECT_EQ(a.sparse_indices, b.sparse_indices) << dtypeName(dtype);
    EXPECT_EQ(a.sparse_values, b.sparse_values) << dtypeName(dtype);
  }
}

TEST(SqueezeLlmQuantize, RefusesBadOptionsNamingTheKey) {
  struct Bad {
    const char* json;
    const char* names;
  };
  for (const Bad& b : {Bad{R"([1])", "not a JSON object"},
                       Bad{R"({"sensitivity": 3})", "'sensitivity' is not an array"},
                       Bad{R"({"sensitivity": [1, -2]})", "'sensitivity' entry 1 is -2"},
                       Bad{R"({"sensitivity": [1, "a"]})", "'sensitivity' entry 1 is \"a\""},
                       Bad{R"({"sparse": 1.5})", "'sparse' is 1.5"},
                       Bad{R"({"sparse": -0.1})", "'sparse' is -0.1"},
                       Bad{R"({"sparse": "1%"})", "'sparse' is \"1%\""},
                       Bad{R"({"iterations": -1})", "'iterations' is -1"},
                       Bad{R"({"iterations": 2.5})", "'iterations' is 2.5"}}) {
    wharf_status code{};
    const std::string m = errorOf([&] { SqueezeLlmQuantizeOptions::parse(b.json); }, &code);
    EXPECT_EQ(code, WHARF_ERR_INVALID_ARGUMENT) << b.json;
    EXPECT_NE(m.find(b.names), std::string::npos) << b.json << " -> " << m;
  }
  const SqueezeLlmQuantizeOptions o =
      SqueezeLlmQuantizeOptions::parse(R"({"sensitivity": [1, 0, 2.5], "sparse": 0.0045,
                                           "iterations": 7, "wbits": 4})");
  EXPECT_EQ(o.sensitivity, (std::vector<float>{1, 0, 2.5f}));
  EXPECT_EQ(o.sparse, 0.0045);
  EXPECT_EQ(o.iterations, 7);
}

TEST(SqueezeLlmQuantize, RefusesWeightsItCannotQuantize) {
  std::vector<float> w(static_cast<size_t>(8 * 64), 0.01f);
  auto refused = [&](const wharf_tensor& t, const SqueezeLlmQuantizeOptions& o,
                     const std::string& names) {
    wharf_status code{};
    const std::string m = errorOf([&] { quantizeSqueezeLlm(t, o); }, &code);
    EXPECT_EQ(code, WHARF_ERR_INVALID_ARGUMENT) << names;
    EXPECT_NE(m.find(names), std::string::npos) << m;
  };
  refused(quant_test::hostF32(w.data(), 8, 60), {}, "F32 [8 x 60]");
  wharf_tensor ints = quant_test::hostF32(w.data(), 8, 64);
  ints.dtype = WHARF_DTYPE_I32;
  refused(ints, {}, "I32, not F32, F16 or BF16");
  wharf_tensor one_d = quant_test::hostF32(w.data(), 8, 64);
  one_d.ndim = 1;
  refused(one_d, {}, "not [N x K]");
  SqueezeLlmQuantizeOptions short_sensitivity;
  short_sensitivity.sensitivity.assign(63, 1.0f);
  refused(quant_test::hostF32(w.data(), 8, 64), short_sensitivity,
          "'sensitivity' has 63 entries, but the weight has 64 input features");
  w[70] = std::numeric_limits<float>::quiet_NaN();
  refused(quant_test::hostF32(w.data(), 8, 64), {}, "weight (row 1, input 6) is nan");
  w[70] = 1e6f;
  refused(quant_test::hostF32(w.data(), 8, 64), {}, "weight (row 1, input 6) is 1000000");
}

}  // namespace
}  // namespace wharf::quant_squeezellm

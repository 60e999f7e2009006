// quant-squeezellm refuses bad checkpoints at load with one message that names the key or the
// tensor: another method or bits; missing, mis-shaped, mis-typed, truncated or resized tensors; a
// sparse part that is incomplete or whose row pointers or indices are out of order or range. Never
// a crash, never a layer that computes garbage; forward refuses mis-shaped activations.
#include <gtest/gtest.h>

#include <random>

#include "quant_test_util.hpp"
#include "squeezellm_config.hpp"
#include "squeezellm_forward.hpp"
#include "squeezellm_weights.hpp"

namespace wharf::quant_squeezellm {
namespace {

using quant_test::errorOf;
using quant_test::view;

TEST(SqueezeLlmConfigTest, ReadsBothConfigDialects) {
  EXPECT_EQ(SqueezeLlmConfig::parse(R"({"wbits": 4})").bits, 4);
  EXPECT_EQ(SqueezeLlmConfig::parse(R"({"quant_method": "SqueezeLLM", "bits": 4})").bits, 4);
  EXPECT_EQ(SqueezeLlmConfig::parse("{}").bits, 4);
  EXPECT_TRUE(SqueezeLlmConfig::recognizes(R"({"wbits": 4})"));
  EXPECT_TRUE(SqueezeLlmConfig::recognizes(R"({"quant_method": "squeezellm"})"));
  EXPECT_TRUE(SqueezeLlmConfig::recognizes(R"({"quant_method": "SqueezeLLM", "bits": 4})"));
  EXPECT_FALSE(SqueezeLlmConfig::recognizes(R"({"w_bit": 4, "q_group_size": 128})"));
  EXPECT_FALSE(SqueezeLlmConfig::recognizes(R"({"quant_method": "awq", "wbits": 4})"));
  EXPECT_FALSE(SqueezeLlmConfig::recognizes(R"({"bits": 4})"));
  EXPECT_FALSE(SqueezeLlmConfig::recognizes("{}"));
  EXPECT_FALSE(SqueezeLlmConfig::recognizes("not json"));
}

TEST(SqueezeLlmConfigTest, RefusesWhatItCannotRunNamingTheKey) {
  struct Bad {
    const char* json;
    wharf_status code;
    const char* names;
  };
  for (const Bad& b :
       {Bad{R"({"quant_method": "gptq"})", WHARF_ERR_UNSUPPORTED, "'gptq'"},
        Bad{R"({"wbits": 3})", WHARF_ERR_UNSUPPORTED, "bits = 3"},
        Bad{R"({"quant_method": "squeezellm", "bits": 8})", WHARF_ERR_UNSUPPORTED, "bits = 8"},
        Bad{R"({"wbits": "4"})", WHARF_ERR_INVALID_ARGUMENT, "'wbits'"},
        Bad{R"({"bits": 4.5})", WHARF_ERR_INVALID_ARGUMENT, "'bits'"},
        Bad{R"([1, 2])", WHARF_ERR_INVALID_ARGUMENT, "not a JSON object"}}) {
    wharf_status code{};
    const std::string m = errorOf([&] { SqueezeLlmConfig::parse(b.json); }, &code);
    EXPECT_EQ(code, b.code) << b.json;
    EXPECT_NE(m.find(b.names), std::string::npos) << b.json << " -> " << m;
  }
}

// The five tensors of a k x n layer, each in a buffer of exactly the size its shape claims (so
// that AddressSanitizer sees any read past it), with a valid sparse part whose last row has an
// index at k - 6.
struct Tensors {
  int64_t k, n;
  std::vector<int32_t> qweight, indptr, indices;
  std::vector<uint16_t> lut, values;
  Tensors(int64_t k_, int64_t n_) : k(k_), n(n_) {
    std::mt19937 rng(1);
    qweight.resize(static_cast<size_t>(k / 8 * n));
    for (int32_t& v : qweight) v = static_cast<int32_t>(rng());
    lut.assign(static_cast<size_t>(n * 16), floatToFp16(0.01f));
    indptr.push_back(0);
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t i = r % 5; i < k; i += 37 + r) indices.push_back(static_cast<int32_t>(i));
      if (r == n - 1) indices.push_back(static_cast<int32_t>(k - 6));
      indptr.push_back(static_cast<int32_t>(indices.size()));
    }
    values.assign(indices.size(), floatToFp16(0.5f));
  }
  // Shapes as claimed: qweight [k/8, n], lookup_table [n, 16], sparse_* [n + 1], [nnz], [nnz].
  std::vector<std::vector<int64_t>> shapes() const {
    const auto nnz = static_cast<int64_t>(indices.size());
    return {{k / 8, n}, {n, 16}, {n + 1}, {nnz}, {nnz}};
  }
};

constexpr const char* kNames[] = {"qweight", "lookup_table", "sparse_indptr", "sparse_indices",
                                  "sparse_values"};
constexpr wharf_dtype kDtypes[] = {WHARF_DTYPE_I32, WHARF_DTYPE_F16, WHARF_DTYPE_I32,
                                   WHARF_DTYPE_I32, WHARF_DTYPE_F16};

// Copies of the tensors' data resized to what `shapes` claims (new elements zero), and the
// views of them.
class Claimed {
 public:
  Claimed(const Tensors& t, const std::vector<std::vector<int64_t>>& shapes) {
    const void* src[] = {t.qweight.data(), t.lut.data(), t.indptr.data(), t.indices.data(),
                         t.values.data()};
    const size_t have[] = {t.qweight.size() * 4, t.lut.size() * 2, t.indptr.size() * 4,
                           t.indices.size() * 4, t.values.size() * 2};
    for (size_t i = 0; i < 5; ++i) {
      int64_t elements = 1;
      for (int64_t d : shapes[i]) elements *= std::max<int64_t>(d, 0);
      const size_t bytes = static_cast<size_t>(elements) * dtypeBytes(kDtypes[i]);
      // A buffer of exactly `bytes` (one spare byte when empty, for a non-null pointer).
      data_[i] = std::make_unique<uint8_t[]>(std::max<size_t>(bytes, 1));
      std::memcpy(data_[i].get(), src[i], std::min(bytes, have[i]));
      if (bytes > have[i]) std::memset(data_[i].get() + have[i], 0, bytes - have[i]);
      wharf_tensor v = view(kNames[i], kDtypes[i], {}, data_[i].get());
      v.ndim = static_cast<int32_t>(shapes[i].size());
      for (size_t d = 0; d < shapes[i].size(); ++d) v.shape[d] = shapes[i][d];
      views_.push_back(v);
    }
  }
  std::vector<wharf_tensor> all() const { return views_; }
  std::vector<wharf_tensor> dense() const { return {views_[0], views_[1]}; }
  template <class T>
  T* data(size_t i) {
    return reinterpret_cast<T*>(data_[i].get());
  }

 private:
  std::unique_ptr<uint8_t[]> data_[5];
  std::vector<wharf_tensor> views_;
};

SqueezeLlmWeights load(const std::vector<wharf_tensor>& v) {
  return SqueezeLlmWeights::fromCheckpoint(SqueezeLlmConfig{}, v);
}

void expectRefused(const std::vector<wharf_tensor>& v, wharf_status code,
                   const std::string& names) {
  wharf_status got{};
  const std::string m = errorOf([&] { load(v); }, &got);
  EXPECT_EQ(got, code) << m;
  EXPECT_NE(m.find(names), std::string::npos) << m;
}

TEST(SqueezeLlmWeightsTest, LoadsAWellFormedLayerDenseOrWithItsSparsePart) {
  const Tensors t(256, 64);
  Claimed c(t, t.shapes());
  const SqueezeLlmWeights dense = load(c.dense());
  EXPECT_EQ(dense.k, 256);
  EXPECT_EQ(dense.n, 64);
  EXPECT_EQ(dense.nnz(), 0);
  const SqueezeLlmWeights sparse = load(c.all());
  EXPECT_EQ(sparse.nnz(), static_cast<int64_t>(t.indices.size()));
  float s = 0;
  EXPECT_TRUE(sparse.sparseAt(63, 250, &s));
  EXPECT_EQ(s, 0.5f);
  EXPECT_FALSE(sparse.sparseAt(63, 251, &s));
}

TEST(SqueezeLlmWeightsTest, NamesAMissingTensor) {
  const Tensors t(256, 64);
  Claimed c(t, t.shapes());
  const std::vector<wharf_tensor> v = c.all();
  expectRefused({v[1]}, WHARF_ERR_NOT_FOUND, "tensor 'qweight' is missing");
  expectRefused({v[0]}, WHARF_ERR_NOT_FOUND, "tensor 'lookup_table' is missing");
  // The sparse part comes whole or not at all.
  expectRefused({v[0], v[1], v[3], v[4]}, WHARF_ERR_NOT_FOUND, "tensor 'sparse_indptr' is missing");
  expectRefused({v[0], v[1], v[2], v[4]}, WHARF_ERR_NOT_FOUND,
                "tensor 'sparse_indices' is missing");
  expectRefused({v[0], v[1], v[2], v[3]}, WHARF_ERR_NOT_FOUND, "tensor 'sparse_values' is missing");
  expectRefused({v[0], v[1], v[2]}, WHARF_ERR_NOT_FOUND, "tensor 'sparse_indices' is missing");
}

TEST(SqueezeLlmWeightsTest, NamesTheTensorWithTheWrongShapeOrDtype) {
  const Tensors t(256, 64);
  Claimed c(t, t.shapes());
  const auto nnz = std::to_string(t.indices.size());
  auto with = [&](size_t i, auto&& change) {
    std::vector<wharf_tensor> v = c.all();
    change(v[i]);
    return v;
  };
  expectRefused(with(0, [](wharf_tensor& x) { x.dtype = WHARF_DTYPE_F32; }), WHARF_ERR_DATA,
                "tensor 'qweight' is F32 [32 x 64], expected I32 [32 x 64]");
  expectRefused(with(0, [](wharf_tensor& x) { x.ndim = 1; }), WHARF_ERR_DATA,
                "tensor 'qweight' is I32 [32]");
  expectRefused(with(0, [](wharf_tensor& x) { x.shape[1] = 0; }), WHARF_ERR_DATA,
                "tensor 'qweight' is I32 [32 x 0]");
  expectRefused(with(1, [](wharf_tensor& x) { x.shape[1] = 15; }), WHARF_ERR_DATA,
                "tensor 'lookup_table' is F16 [64 x 15], expected F16 [64 x 16]");
  expectRefused(with(1, [](wharf_tensor& x) { x.dtype = WHARF_DTYPE_F32; }), WHARF_ERR_DATA,
                "tensor 'lookup_table' is F32 [64 x 16]");
  expectRefused(with(1, [](wharf_tensor& x) { x.device = WHARF_DEVICE_CUDA; }),
                WHARF_ERR_INVALID_ARGUMENT, "tensor 'lookup_table' is not in host memory");
  expectRefused(with(2, [](wharf_tensor& x) { x.shape[0] = 64; }), WHARF_ERR_DATA,
                "tensor 'sparse_indptr' is I32 [64], expected I32 [65]");
  expectRefused(with(2, [](wharf_tensor& x) { x.dtype = WHARF_DTYPE_F16; }), WHARF_ERR_DATA,
                "tensor 'sparse_indptr' is F16 [65], expected I32 [65]");
  expectRefused(with(3,
                     [](wharf_tensor& x) {
                       x.ndim = 2;
                       x.shape[1] = 1;
                     }),
                WHARF_ERR_DATA,
                "tensor 'sparse_indices' is I32 [" + nnz + " x 1], expected I32 [nnz]");
  expectRefused(with(3, [](wharf_tensor& x) { x.dtype = WHARF_DTYPE_F32; }), WHARF_ERR_DATA,
                "tensor 'sparse_indices' is F32 [" + nnz + "], expected I32 [" + nnz + "]");
  expectRefused(with(4, [](wharf_tensor& x) { x.dtype = WHARF_DTYPE_F32; }), WHARF_ERR_DATA,
                "tensor 'sparse_values' is F32 [" + nnz + "], expected F16 [" + nnz + "]");
  expectRefused(with(4, [](wharf_tensor& x) { x.shape[0] -= 1; }), WHARF_ERR_DATA,
                "tensor 'sparse_values' is F16 [" + std::to_string(t.indices.size() - 1) +
                    "], expected F16 [" + nnz + "]");
}

TEST(SqueezeLlmWeightsTest, RefusesAnInputCountTheKernelsCannotRun) {
  const Tensors t(80, 16);  // K = 80: a multiple of 8 (the format) but not of 32 (the kernels)
  Claimed c(t, t.shapes());
  expectRefused(c.dense(), WHARF_ERR_UNSUPPORTED,
                "tensor 'qweight' has 80 input features; the CPU kernels need a multiple of 32");
}

TEST(SqueezeLlmWeightsTest, NamesTheSparseEntryOutOfOrderOrRange) {
  const int64_t k = 128, n = 8;
  const Tensors t(k, n);
  const int32_t row3 = t.indptr[3];  // row 3's first entry
  struct Bad {
    const char* what;
    std::function<void(Claimed&)> change;
    std::string names;
  };
  const std::string nnz = std::to_string(t.indices.size());
  const std::vector<Bad> bad = {
      {"indptr starts above 0", [](Claimed& c) { c.data<int32_t>(2)[0] = 1; },
       "tensor 'sparse_indptr' entry 0 is 1, not 0"},
      {"indptr decreases", [&](Claimed& c) { c.data<int32_t>(2)[4] = t.indptr[3] - 1; },
       "tensor 'sparse_indptr' entry 4 is " + std::to_string(t.indptr[3] - 1) +
           ", below entry 3 (" + std::to_string(t.indptr[3]) + "): row pointers never decrease"},
      {"indptr ends short", [&](Claimed& c) { c.data<int32_t>(2)[n] -= 1; },
       "tensor 'sparse_indptr' ends at " + std::to_string(t.indices.size() - 1) +
           " (entry 8), but "
           "'sparse_indices' has " +
           nnz + " entries"},
      {"index past K", [&](Claimed& c) { c.data<int32_t>(3)[row3 + 1] = 130; },
       "tensor 'sparse_indices' entry " + std::to_string(row3 + 1) +
           " (row 3) is 130, outside [0, "
           "128)"},
      {"index negative", [&](Claimed& c) { c.data<int32_t>(3)[row3] = -1; },
       "tensor 'sparse_indices' entry " + std::to_string(row3) +
           " (row 3) is -1, outside [0, 128)"},
      {"index repeated",
       [&](Claimed& c) { c.data<int32_t>(3)[row3 + 1] = t.indices[static_cast<size_t>(row3)]; },
       "tensor 'sparse_indices' entry " + std::to_string(row3 + 1) + " (row 3) is " +
           std::to_string(t.indices[static_cast<size_t>(row3)]) + ", not above entry " +
           std::to_string(row3) + " (" + std::to_string(t.indices[static_cast<size_t>(row3)]) +
           "): a row's indices increase strictly"},
      {"index decreasing", [&](Claimed& c) { c.data<int32_t>(3)[row3 + 1] = 0; },
       "(row 3) is 0, not above entry " + std::to_string(row3)},
  };
  ASSERT_GE(t.indptr[4] - t.indptr[3], 2) << "row 3 needs two entries";
  for (const Bad& b : bad) {
    Claimed c(t, t.shapes());
    b.change(c);
    SCOPED_TRACE(b.what);
    expectRefused(c.all(), WHARF_ERR_DATA, b.names);
  }
}

// Truncated and resized tensors: every shape around the right one is refused or loads a layer
// of exactly the shape it claims; none crashes or reads past the data its shape claims (each
// buffer is exactly that size: ASan checks). Only more packed rows of qweight make a valid layer
// (a wider K still holds every sparse index; 8 or 64 more rows keep K a multiple of 32).
TEST(SqueezeLlmWeightsTest, SurvivesEveryNearbyShape) {
  const Tensors t(256, 64);
  int refused = 0, loaded = 0;
  for (size_t which = 0; which < 5; ++which)
    for (size_t dim = 0; dim < t.shapes()[which].size(); ++dim)
      for (int64_t delta : {-64, -8, -1, 1, 8, 64}) {
        std::vector<std::vector<int64_t>> shapes = t.shapes();
        shapes[which][dim] += delta;
        Claimed c(t, shapes);
        const bool valid = which == 0 && dim == 0 && (delta == 8 || delta == 64);
        try {
          const SqueezeLlmWeights w = load(c.all());
          ++loaded;
          EXPECT_TRUE(valid) << kNames[which] << " dim " << dim << " " << delta;
          EXPECT_EQ(w.k, shapes[0][0] * 8);
          EXPECT_EQ(w.n, shapes[0][1]);
          EXPECT_EQ(w.nibbles.size(), static_cast<size_t>(w.n * w.k / 2));
        } catch (const Error&) {
          ++refused;
          EXPECT_FALSE(valid) << kNames[which] << " dim " << dim << " " << delta;
        }
      }
  EXPECT_EQ(loaded, 2);
  EXPECT_EQ(refused, 40);
}

// Random values written over the row pointers and indices: each load is refused or gives a layer
// whose CSR is in order and in range.
TEST(SqueezeLlmWeightsTest, SurvivesGarbageInTheSparsePart) {
  const Tensors t(128, 16);
  std::mt19937 rng(3);
  const std::vector<int32_t> specials = {0,
                                         1,
                                         -1,
                                         127,
                                         128,
                                         129,
                                         std::numeric_limits<int32_t>::max(),
                                         std::numeric_limits<int32_t>::min()};
  int refused = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Claimed c(t, t.shapes());
    const size_t which = trial % 2 ? 2 : 3;
    const size_t count = which == 2 ? t.indptr.size() : t.indices.size();
    for (int edits = 1 + trial % 3; edits > 0; --edits) {
      const int32_t value =
          trial % 4 == 0 ? static_cast<int32_t>(rng()) : specials[rng() % specials.size()];
      c.data<int32_t>(which)[rng() % count] = value;
    }
    try {
      const SqueezeLlmWeights w = load(c.all());
      ASSERT_EQ(w.sparse_rows.front(), 0);
      ASSERT_EQ(w.sparse_rows.back(), w.nnz());
      for (int64_t r = 0; r < w.n; ++r)
        for (int32_t e = w.sparse_rows[static_cast<size_t>(r)];
             e < w.sparse_rows[static_cast<size_t>(r + 1)]; ++e) {
          ASSERT_GE(w.sparse_cols[static_cast<size_t>(e)], 0);
          ASSERT_LT(w.sparse_cols[static_cast<size_t>(e)], w.k);
          if (e > w.sparse_rows[static_cast<size_t>(r)]) {
            ASSERT_GT(w.sparse_cols[static_cast<size_t>(e)],
                      w.sparse_cols[static_cast<size_t>(e - 1)]);
          }
        }
    } catch (const Error& e) {
      ++refused;
      EXPECT_EQ(e.code(), WHARF_ERR_DATA) << e.what();
    }
  }
  EXPECT_GT(refused, 300);
}

TEST(SqueezeLlmForwardTest, RefusesActivationsOfTheWrongShape) {
  const Tensors t(128, 16);
  Claimed c(t, t.shapes());
  const SqueezeLlmWeights w = load(c.all());
  std::vector<float> x(4 * 128), y(4 * 16);
  auto refused = [&](wharf_tensor xt, wharf_tensor yt, const std::string& names) {
    const std::string m =
        errorOf([&] { squeezeLlmForward(w, squeezeLlmKernels(), xt, yt, CpuPool(nullptr)); });
    EXPECT_NE(m.find(names), std::string::npos) << m;
  };
  refused(quant_test::hostF32(x.data(), 4, 96), quant_test::hostF32(y.data(), 4, 16),
          "x is F32 [4 x 96], expected host F32 [rows x 128]");
  refused(quant_test::hostF32(x.data(), 4, 128), quant_test::hostF32(y.data(), 4, 8),
          "y is F32 [4 x 8], expected host F32 [rows x 16]");
  refused(quant_test::hostF32(x.data(), 4, 128), quant_test::hostF32(y.data(), 3, 16),
          "x has 4 rows but y has 3");
  wharf_tensor half = quant_test::hostF32(x.data(), 4, 128);
  half.dtype = WHARF_DTYPE_F16;
  refused(half, quant_test::hostF32(y.data(), 4, 16), "x is F16 [4 x 128]");
}

}  // namespace
}  // namespace wharf::quant_squeezellm

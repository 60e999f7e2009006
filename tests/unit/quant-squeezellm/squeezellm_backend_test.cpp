// quant-squeezellm through the C ABI (wharf_quant_v1) as an engine drives it: its method, what it
// recognizes, its tensor suffixes, and a layer quantized through `quantize`, loaded back through
// `load_linear` and run through `forward_cpu` on the engine's threads, reproducing the quantizer's
// dequantized weights bit for bit.
#include "squeezellm_backend.hpp"

#include <gtest/gtest.h>

#include <random>

#include "quant_test_util.hpp"
#include "squeezellm_packing.hpp"

namespace wharf::quant_squeezellm {
namespace {

using quant_test::CollectedTensors;
using quant_test::errorOf;

class SqueezeLlmBackendTest : public ::testing::Test {
 protected:
  SqueezeLlmBackendTest()
      : backend(Config("squeezellm", {}), Host(nullptr, "quant-squeezellm")),
        client(QuantBackend::table(), &backend) {}

  // Quantizes `w` [n x k] through the C ABI's quantize.
  CollectedTensors quantize(const std::vector<float>& w, int64_t n, int64_t k,
                            const std::string& options) {
    CollectedTensors out;
    const wharf_tensor t = quant_test::hostF32(w.data(), n, k);
    wharf_error* err = nullptr;
    check(client.table()->quantize(client.instance(), &t, options.c_str(), &CollectedTensors::sink,
                                   &out, &err),
          err, "quantize");
    return out;
  }

  SqueezeLlmBackend backend;
  QuantClient client;
};

TEST_F(SqueezeLlmBackendTest, NamesItsMethodAndRecognizesBothConfigDialects) {
  EXPECT_EQ(client.method(), "squeezellm");
  EXPECT_TRUE(client.recognizes(R"({"wbits": 4})"));
  EXPECT_TRUE(client.recognizes(R"({"quant_method": "squeezellm", "bits": 4})"));
  EXPECT_FALSE(client.recognizes(R"({"w_bit": 4, "q_group_size": 128})"));
  EXPECT_FALSE(client.recognizes(R"({"quant_method": "awq", "wbits": 4})"));
  EXPECT_EQ(client.tensorSuffixes("{}"),
            (std::vector<std::string>{"qweight", "lookup_table", "sparse_indptr", "sparse_indices",
                                      "sparse_values"}));
}

struct RoundTrip {
  const char* options;
  bool sparse;
  int64_t nnz;  // round(sparse * 48 * 192)
  friend void PrintTo(const RoundTrip& r, std::ostream* os) { *os << r.options; }
};

class SqueezeLlmRoundTrip : public SqueezeLlmBackendTest,
                            public ::testing::WithParamInterface<RoundTrip> {};

TEST_P(SqueezeLlmRoundTrip, QuantizedTensorsLoadBackAndReproduceTheWeights) {
  const RoundTrip c = GetParam();
  const int64_t n = 48, k = 192;
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (float& v : w) v = dist(rng);
  const CollectedTensors t = quantize(w, n, k, c.options);
  std::vector<std::string> names = {"lookup_table", "qweight"};
  if (c.sparse)
    names = {"lookup_table", "qweight", "sparse_indices", "sparse_indptr", "sparse_values"};
  ASSERT_EQ(t.names(), names);
  EXPECT_EQ(t.tensor("qweight").shape[0], k / 8);
  EXPECT_EQ(t.tensor("qweight").shape[1], n);

  // The quantizer's weights, read from its tensors: LUT[n][index] (+ S).
  const wharf_tensor qweight = t.tensor("qweight"), lut = t.tensor("lookup_table");
  std::vector<float> want(w.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i)
      want[static_cast<size_t>(r * k + i)] =
          loadF16(lut, r * 16 + squeezeLlmIndex(loadI32(qweight, (i / 8) * n + r), i % 8));
  if (c.sparse) {
    const wharf_tensor indptr = t.tensor("sparse_indptr"), indices = t.tensor("sparse_indices"),
                       values = t.tensor("sparse_values");
    EXPECT_EQ(indices.shape[0], c.nnz);
    for (int64_t r = 0; r < n; ++r)
      for (int32_t e = loadI32(indptr, r); e < loadI32(indptr, r + 1); ++e)
        want[static_cast<size_t>(r * k + loadI32(indices, e))] += loadF16(values, e);
  }

  const QuantLinear layer = client.loadLinear(R"({"wbits": 4})", t.all(), WHARF_DEVICE_CPU, 0);
  EXPECT_EQ(layer.info().in_features, k);
  EXPECT_EQ(layer.info().out_features, n);
  EXPECT_GE(layer.info().device_bytes, static_cast<uint64_t>(n * k / 2 + n * 16 * 4));
  // x = I: row t of y is input t of every output feature, LUT + S as one f32 addition.
  std::vector<float> eye(static_cast<size_t>(k * k)), y(static_cast<size_t>(k * n));
  for (int64_t i = 0; i < k; ++i) eye[static_cast<size_t>(i * k + i)] = 1.0f;
  wharf_tensor xt = quant_test::hostF32(eye.data(), k, k);
  wharf_tensor yt = quant_test::hostF32(y.data(), k, n);
  quant_test::ThreadsPool threads(3);
  layer.forwardCpu(xt, yt, *threads.get());
  int64_t wrong = 0;
  double squared_error = 0, squared_weights = 0;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i) {
      const float got = y[static_cast<size_t>(i * n + r)],
                  expected = want[static_cast<size_t>(r * k + i)];
      wrong += !(got == expected);  // == rather than the bits: an f32 sum of +0 and -0 is +0
      const double original = w[static_cast<size_t>(r * k + i)];
      squared_error += (got - original) * (got - original);
      squared_weights += original * original;
    }
  EXPECT_EQ(wrong, 0);
  // The quantization error itself: 16 Lloyd-Max levels leave a normal distribution an RMS error of
  // 0.0975 of its RMS; k-means fitted to each row's own 192 values does a little better.
  EXPECT_LT(std::sqrt(squared_error / squared_weights), 0.1);
  // forward (no stream) computes the same.
  std::vector<float> y2(y.size());
  wharf_tensor yt2 = quant_test::hostF32(y2.data(), k, n);
  layer.forward(xt, yt2, nullptr);
  EXPECT_EQ(y, y2);
}

INSTANTIATE_TEST_SUITE_P(Options, SqueezeLlmRoundTrip,
                         ::testing::Values(RoundTrip{"{}", false, 0},
                                           RoundTrip{R"({"sparse": 0.01})", true, 92},
                                           RoundTrip{R"({"sparse": 1e-9})", true, 0}),
                         [](const auto& info) {
                           return std::string(info.index == 0   ? "Dense"
                                              : info.index == 1 ? "OnePercentSparse"
                                                                : "SparseWithNoEntries");
                         });

TEST_F(SqueezeLlmBackendTest, RefusesWhatItCannotRunThroughTheAbi) {
  std::vector<float> w(static_cast<size_t>(8 * 64), 0.01f);
  const CollectedTensors t = quantize(w, 8, 64, "{}");
  wharf_status code{};
  std::string m =
      errorOf([&] { client.loadLinear(R"({"wbits": 4})", t.all(), WHARF_DEVICE_CUDA, 0); }, &code);
  EXPECT_EQ(code, WHARF_ERR_UNSUPPORTED);
  EXPECT_NE(m.find("runs on the CPU"), std::string::npos) << m;
  m = errorOf([&] { client.loadLinear(R"({"wbits": 3})", t.all(), WHARF_DEVICE_CPU, 0); }, &code);
  EXPECT_EQ(code, WHARF_ERR_UNSUPPORTED);
  EXPECT_NE(m.find("bits = 3"), std::string::npos) << m;
  m = errorOf([&] { quantize(w, 8, 64, R"({"wbits": 2})"); }, &code);
  EXPECT_EQ(code, WHARF_ERR_UNSUPPORTED);
  EXPECT_NE(m.find("bits = 2"), std::string::npos) << m;
  m = errorOf([&] { quantize(w, 8, 64, R"({"sparse": 2})"); }, &code);
  EXPECT_EQ(code, WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_NE(m.find("'sparse' is 2"), std::string::npos) << m;

  const QuantLinear layer = client.loadLinear(R"({"wbits": 4})", t.all(), WHARF_DEVICE_CPU, 0);
  std::vector<float> x(64 * 2), y(8 * 2);
  wharf_tensor xt = quant_test::hostF32(x.data(), 2, 64), yt = quant_test::hostF32(y.data(), 2, 8);
  int stream = 0;
  m = errorOf([&] { layer.forward(xt, yt, &stream); }, &code);
  EXPECT_EQ(code, WHARF_ERR_UNSUPPORTED);
  EXPECT_NE(m.find("not on a stream"), std::string::npos) << m;
}

}  // namespace
}  // namespace wharf::quant_squeezellm

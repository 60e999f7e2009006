// example_int8.cpp: a complete Wharf quantization backend, written to be read as a tutorial.
//
// "example-int8" is W8A16 per-output-channel int8: each linear layer W [N, K] of a checkpoint is
// stored as two tensors, `<layer>.qweight` I8 [N, K] and `<layer>.scales` F16 [N], with
// w[n, k] = qweight[n, k] * scales[n]. Activations stay float.
//
// A quant backend is a class derived from wharf::QuantBackend that
//   - names its method ("int8", as written in config.json's quantization_config.quant_method),
//     says whether it recognizes a quantization_config, and lists the tensor suffixes of a layer;
//   - loadLinear(): repacks one layer's checkpoint tensors (borrowed for the call) into a
//     wharf::QuantLayer it owns;
//   - forwardCpu() / forward(): y[rows, N] = x[rows, K] * W^T, on the engine's threads (the
//     CpuPool it is lent) or on the calling thread;
//   - quantize() (optional): turns an F32/F16/BF16 weight [N, K] into the checkpoint tensors,
//     for `wharfd quantize --method int8 --backend example-int8`.
// Errors are thrown as wharf::Error(status, message); the SDK turns them into the C ABI's
// wharf_status + message at the boundary, and the engine prefixes the model and layer name.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "wharf/cpp/half.hpp"    // floatToFp16, fp16ToFloat, bf16ToFloat
#include "wharf/cpp/json.hpp"    // jsonMemberOrNull, jsonStringOr (nlohmann-json)
#include "wharf/cpp/quant.hpp"   // QuantBackend, QuantLayer, CpuPool, WHARF_QUANT_PLUGIN
#include "wharf/cpp/tensor.hpp"  // requireTensor, expectTensor, loadF16, describeTensor

namespace example {

using wharf::Error;

// One repacked layer: the int8 weights row by row and one float scale per output row.
struct Int8Layer : wharf::QuantLayer {
  int64_t n = 0, k = 0;
  std::vector<int8_t> q;     // [n * k]
  std::vector<float> scale;  // [n]
};

class Int8Backend : public wharf::QuantBackend {
 public:
  // No INI keys: the checkpoint says everything.
  Int8Backend(const wharf::Config&, const wharf::Host&) {}

  const char* method() const override { return "int8"; }

  bool recognizes(const std::string& quant_config_json) override {
    const nlohmann::json j = nlohmann::json::parse(quant_config_json, nullptr, false);
    return wharf::jsonStringOr(wharf::jsonMemberOrNull(j, "quant_method")) == "int8";
  }

  const char* const* tensorSuffixes(const std::string&) override {
    static const char* const kSuffixes[] = {"qweight", "scales", nullptr};
    return kSuffixes;  // the first one tells the engine that a layer is quantized
  }

  std::unique_ptr<wharf::QuantLayer> loadLinear(const std::string&,
                                                const std::vector<wharf_tensor>& tensors,
                                                wharf_device_type device, int32_t,
                                                wharf_linear_info& info) override {
    if (device != WHARF_DEVICE_CPU)
      throw Error(WHARF_ERR_UNSUPPORTED, "example-int8 runs on the CPU only");
    const wharf_tensor& qweight = wharf::requireTensor(tensors, "qweight");
    const wharf_tensor& scales = wharf::requireTensor(tensors, "scales");
    if (qweight.ndim != 2 || qweight.shape[0] <= 0 || qweight.shape[1] <= 0)
      throw Error(WHARF_ERR_DATA, "tensor 'qweight' is " + wharf::describeTensor(qweight) +
                                      ", expected I8 [N x K]");
    const int64_t n = qweight.shape[0], k = qweight.shape[1];
    wharf::expectTensor(qweight, WHARF_DTYPE_I8, {n, k});  // also: in host memory, with data
    wharf::expectTensor(scales, WHARF_DTYPE_F16, {n});

    auto layer = std::make_unique<Int8Layer>();
    layer->n = n;
    layer->k = k;
    layer->q.resize(static_cast<size_t>(n * k));
    std::memcpy(layer->q.data(), qweight.data, layer->q.size());  // the tensor is borrowed
    layer->scale.resize(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r)
      layer->scale[static_cast<size_t>(r)] = wharf::loadF16(scales, r);
    info.in_features = k;
    info.out_features = n;
    info.device_bytes = layer->q.size() + layer->scale.size() * sizeof(float);
    return layer;
  }

  // Without a pool (an ABI 1.0 engine, or a caller of its own): everything on this thread.
  void forward(wharf::QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
               void* stream) override {
    if (stream) throw Error(WHARF_ERR_UNSUPPORTED, "example-int8: layers live on the CPU");
    forwardCpu(layer, x, y, wharf::CpuPool(nullptr));
  }

  // y[t, r] = scale[r] * sum_i q[r, i] * x[t, i]; the output features are split over the pool.
  void forwardCpu(wharf::QuantLayer& base, const wharf_tensor& x, wharf_tensor& y,
                  const wharf::CpuPool& pool) override {
    const auto& l = static_cast<const Int8Layer&>(base);  // only loadLinear makes our layers
    wharf::expectRows(x, "example-int8: x", l.k);
    wharf::expectRows(y, "example-int8: y", l.n);
    const int64_t rows = x.shape[0];
    if (y.shape[0] != rows)
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "example-int8: x has " + std::to_string(rows) +
                                                  " rows, y " + std::to_string(y.shape[0]));
    const float* xp = static_cast<const float*>(x.data);
    float* yp = static_cast<float*>(const_cast<void*>(y.data));  // y is the output
    pool.parallelFor(static_cast<size_t>(l.n), [&](size_t begin, size_t end, uint32_t) {
      for (size_t r = begin; r < end; ++r) {
        const int8_t* q = l.q.data() + r * static_cast<size_t>(l.k);
        for (int64_t t = 0; t < rows; ++t)
          yp[t * l.n + static_cast<int64_t>(r)] = l.scale[r] * dot(q, xp + t * l.k, l.k);
      }
    });
  }

  // Symmetric per row: s = max|w| / 127 stored as f16, q = clamp(round(w / s), -127, 127) with
  // the f16-rounded s (the one the checkpoint keeps). No options.
  void quantize(const wharf_tensor& weight, const std::string&, wharf_tensor_sink_fn sink,
                void* sink_ctx) override {
    const bool is_float = weight.dtype == WHARF_DTYPE_F32 || weight.dtype == WHARF_DTYPE_F16 ||
                          weight.dtype == WHARF_DTYPE_BF16;
    if (!is_float || weight.ndim != 2 || weight.device != WHARF_DEVICE_CPU || !weight.data)
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "example-int8: the weight is " +
                                                  wharf::describeTensor(weight) +
                                                  ", expected host F32/F16/BF16 [N x K]");
    const int64_t n = weight.shape[0], k = weight.shape[1];
    std::vector<int8_t> q(static_cast<size_t>(n * k));
    std::vector<uint16_t> scales(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
      float amax = 0;
      for (int64_t i = 0; i < k; ++i) {
        const float a = std::fabs(wharf::loadFloat(weight, r * k + i));
        if (!std::isfinite(a)) badRow(r, a);
        amax = std::max(amax, a);
      }
      const uint16_t s16 = wharf::floatToFp16(amax / 127.0f);
      const float s = wharf::fp16ToFloat(s16);
      if (!std::isfinite(s)) badRow(r, amax);  // beyond 127 * 65504
      scales[static_cast<size_t>(r)] = s16;
      for (int64_t i = 0; i < k; ++i) {  // an all-zero row (s = 0) stays 0
        const float v = s > 0 ? std::round(wharf::loadFloat(weight, r * k + i) / s) : 0.0f;
        q[static_cast<size_t>(r * k + i)] = static_cast<int8_t>(std::clamp(v, -127.0f, 127.0f));
      }
    }
    wharf::emitTensor(sink, sink_ctx, "qweight", WHARF_DTYPE_I8, {n, k}, q.data());
    wharf::emitTensor(sink, sink_ctx, "scales", WHARF_DTYPE_F16, {n}, scales.data());
  }

 private:
  // sum_i q[i] * x[i] with sixteen independent partial sums: a plain loop that the compiler
  // vectorizes (int8 -> float, multiply, add) without -ffast-math, which a single float
  // accumulator would need (its sum has to keep its order).
  static float dot(const int8_t* q, const float* x, int64_t k) {
    float acc[16] = {};
    int64_t i = 0;
    for (; i + 16 <= k; i += 16)
      for (int j = 0; j < 16; ++j) acc[j] += static_cast<float>(q[i + j]) * x[i + j];
    float s = 0;
    for (; i < k; ++i) s += static_cast<float>(q[i]) * x[i];
    for (float v : acc) s += v;
    return s;
  }

  [[noreturn]] static void badRow(int64_t r, float a) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "example-int8: row " + std::to_string(r) +
                                                " of the weight has |w| = " + std::to_string(a) +
                                                ", which no f16 scale covers");
  }
};

}  // namespace example

// The module: no INI keys (nullptr). In wharfd's INI:
//   [plugin.int8]
//   module = example-int8
//   [plugin.engine]
//   module = engine-cpu
//   model = /models/SmolLM2-int8
//   quantization = int8
WHARF_QUANT_PLUGIN(example::Int8Backend, "example-int8", "1.0.0",
                   "example: W8A16 per-output-channel int8 (qweight I8 [N, K], scales F16 [N])",
                   nullptr)

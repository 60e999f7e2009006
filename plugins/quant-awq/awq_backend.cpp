#include "awq_backend.hpp"

#include "awq_config.hpp"
#include "awq_forward.hpp"
#include "awq_quantize.hpp"

namespace wharf::quant_awq {

namespace {

class AwqLayer : public QuantLayer {
 public:
  explicit AwqLayer(AwqWeights w) : weights(std::move(w)) {}
  AwqWeights weights;
};

AwqLayer& awqLayer(QuantLayer& layer) {
  auto* l = dynamic_cast<AwqLayer*>(&layer);
  if (!l) throw Error(WHARF_ERR_INVALID_ARGUMENT, "quant-awq: the layer is not an AWQ layer");
  return *l;
}

}  // namespace

AwqBackend::AwqBackend(const Config&, const Host& host) : kernels_(awqKernels()) {
  host.info(std::string("quant-awq: CPU kernels ") + cpu::simdLevelName(kernels_.level));
}

bool AwqBackend::recognizes(const std::string& json) { return AwqConfig::recognizes(json); }

const char* const* AwqBackend::tensorSuffixes(const std::string&) {
  static const char* const kSuffixes[] = {"qweight", "qzeros", "scales", nullptr};
  return kSuffixes;
}

std::unique_ptr<QuantLayer> AwqBackend::loadLinear(const std::string& json,
                                                   const std::vector<wharf_tensor>& tensors,
                                                   wharf_device_type device, int32_t,
                                                   wharf_linear_info& info) {
  if (device != WHARF_DEVICE_CPU)
    throw Error(WHARF_ERR_UNSUPPORTED,
                "quant-awq runs on the CPU; its CUDA kernels belong to engine-cuda's backend");
  auto layer =
      std::make_unique<AwqLayer>(AwqWeights::fromCheckpoint(AwqConfig::parse(json), tensors));
  info.in_features = layer->weights.k;
  info.out_features = layer->weights.n;
  info.device_bytes = layer->weights.bytes();
  return layer;
}

void AwqBackend::forward(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y, void* stream) {
  if (stream)
    throw Error(WHARF_ERR_UNSUPPORTED, "quant-awq: layers live on the CPU, not on a stream");
  awqForward(awqLayer(layer).weights, kernels_, x, y, CpuPool(nullptr));
}

void AwqBackend::forwardCpu(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
                            const CpuPool& pool) {
  awqForward(awqLayer(layer).weights, kernels_, x, y, pool);
}

void AwqBackend::forwardCpuMany(std::span<QuantLayer* const> layers, const wharf_tensor& x,
                                std::span<wharf_tensor> ys, const CpuPool& pool) {
  std::vector<const AwqWeights*> weights;
  weights.reserve(layers.size());
  for (QuantLayer* l : layers) weights.push_back(&awqLayer(*l).weights);
  awqForwardMany(weights, kernels_, x, ys, pool);
}

void AwqBackend::quantize(const wharf_tensor& weight, const std::string& options_json,
                          wharf_tensor_sink_fn sink, void* sink_ctx) {
  const AwqConfig c = AwqConfig::parse(options_json);
  emitAwqTensors(quantizeAwqRtn(weight, c.group_size, c.zero_point), sink, sink_ctx);
}

}  // namespace wharf::quant_awq

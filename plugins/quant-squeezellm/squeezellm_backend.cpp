#include "squeezellm_backend.hpp"

#include "squeezellm_config.hpp"
#include "squeezellm_forward.hpp"
#include "squeezellm_quantize.hpp"

namespace wharf::quant_squeezellm {

namespace {

class SqueezeLlmLayer : public QuantLayer {
 public:
  explicit SqueezeLlmLayer(SqueezeLlmWeights w) : weights(std::move(w)) {}
  SqueezeLlmWeights weights;
};

SqueezeLlmLayer& squeezeLlmLayer(QuantLayer& layer) {
  auto* l = dynamic_cast<SqueezeLlmLayer*>(&layer);
  if (!l)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "quant-squeezellm: the layer is not a SqueezeLLM layer");
  return *l;
}

}  // namespace

SqueezeLlmBackend::SqueezeLlmBackend(const Config&, const Host& host)
    : kernels_(squeezeLlmKernels()) {
  host.info(std::string("quant-squeezellm: CPU kernels ") + cpu::simdLevelName(kernels_.level));
}

bool SqueezeLlmBackend::recognizes(const std::string& json) {
  return SqueezeLlmConfig::recognizes(json);
}

const char* const* SqueezeLlmBackend::tensorSuffixes(const std::string&) {
  // qweight first: it marks a layer as quantized. The sparse part is optional.
  static const char* const kSuffixes[] = {"qweight",        "lookup_table",  "sparse_indptr",
                                          "sparse_indices", "sparse_values", nullptr};
  return kSuffixes;
}

std::unique_ptr<QuantLayer> SqueezeLlmBackend::loadLinear(const std::string& json,
                                                          const std::vector<wharf_tensor>& tensors,
                                                          wharf_device_type device, int32_t,
                                                          wharf_linear_info& info) {
  if (device != WHARF_DEVICE_CPU)
    throw Error(WHARF_ERR_UNSUPPORTED, "quant-squeezellm runs on the CPU");
  auto layer = std::make_unique<SqueezeLlmLayer>(
      SqueezeLlmWeights::fromCheckpoint(SqueezeLlmConfig::parse(json), tensors));
  info.in_features = layer->weights.k;
  info.out_features = layer->weights.n;
  info.device_bytes = layer->weights.bytes();
  return layer;
}

void SqueezeLlmBackend::forward(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
                                void* stream) {
  if (stream)
    throw Error(WHARF_ERR_UNSUPPORTED, "quant-squeezellm: layers live on the CPU, not on a stream");
  squeezeLlmForward(squeezeLlmLayer(layer).weights, kernels_, x, y, CpuPool(nullptr));
}

void SqueezeLlmBackend::forwardCpu(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
                                   const CpuPool& pool) {
  squeezeLlmForward(squeezeLlmLayer(layer).weights, kernels_, x, y, pool);
}

void SqueezeLlmBackend::forwardCpuMany(std::span<QuantLayer* const> layers, const wharf_tensor& x,
                                       std::span<wharf_tensor> ys, const CpuPool& pool) {
  std::vector<const SqueezeLlmWeights*> weights;
  weights.reserve(layers.size());
  for (QuantLayer* l : layers) weights.push_back(&squeezeLlmLayer(*l).weights);
  squeezeLlmForwardMany(weights, kernels_, x, ys, pool);
}

void SqueezeLlmBackend::quantize(const wharf_tensor& weight, const std::string& options_json,
                                 wharf_tensor_sink_fn sink, void* sink_ctx) {
  SqueezeLlmConfig::parse(options_json);  // a method or bits other than 4 are refused
  emitSqueezeLlmTensors(quantizeSqueezeLlm(weight, SqueezeLlmQuantizeOptions::parse(options_json)),
                        sink, sink_ctx);
}

}  // namespace wharf::quant_squeezellm

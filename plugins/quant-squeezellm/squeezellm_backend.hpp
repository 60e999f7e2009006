// quant-squeezellm: the QuantBackend for SqueezeLLM checkpoints (vLLM <= 0.6.0's format, 4-bit
// indices into a 16-entry f16 lookup table per output feature, plus Wharf's optional sparse f16
// corrections), with CPU kernels and sensitivity-weighted k-means quantization into the format.
#pragma once

#include "squeezellm_kernels.hpp"
#include "wharf/wharf.hpp"

namespace wharf::quant_squeezellm {

class SqueezeLlmBackend : public QuantBackend {
 public:
  SqueezeLlmBackend(const Config& config, const Host& host);

  const char* method() const override { return "squeezellm"; }
  bool recognizes(const std::string& quant_config_json) override;
  const char* const* tensorSuffixes(const std::string& quant_config_json) override;
  std::unique_ptr<QuantLayer> loadLinear(const std::string& quant_config_json,
                                         const std::vector<wharf_tensor>& tensors,
                                         wharf_device_type device, int32_t device_index,
                                         wharf_linear_info& info) override;
  void forward(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y, void* stream) override;
  void forwardCpu(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
                  const CpuPool& pool) override;
  void forwardCpuMany(std::span<QuantLayer* const> layers, const wharf_tensor& x,
                      std::span<wharf_tensor> ys, const CpuPool& pool) override;
  // options: {"sensitivity": [K numbers], "sparse": 0.0045, "iterations": 30}
  void quantize(const wharf_tensor& weight, const std::string& options_json,
                wharf_tensor_sink_fn sink, void* sink_ctx) override;

 private:
  const SqueezeLlmKernels& kernels_;
};

}  // namespace wharf::quant_squeezellm

// quant-awq: the QuantBackend for AutoAWQ "gemm" checkpoints (4-bit, group-wise scales and zero
// points), with CPU kernels and round-to-nearest quantization into the same layout.
#pragma once

#include "awq_kernels.hpp"
#include "wharf/wharf.hpp"

namespace wharf::quant_awq {

class AwqBackend : public QuantBackend {
 public:
  AwqBackend(const Config& config, const Host& host);

  const char* method() const override { return "awq"; }
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
  // options: {"group_size": 128, "zero_point": true}
  void quantize(const wharf_tensor& weight, const std::string& options_json,
                wharf_tensor_sink_fn sink, void* sink_ctx) override;

 private:
  const AwqKernels& kernels_;
};

}  // namespace wharf::quant_awq

// An AutoAWQ checkpoint's quantization config: config.json's quantization_config
// {quant_method: "awq", bits, group_size, zero_point, version, modules_to_not_convert}, or
// AutoAWQ's quant_config.json / quantize_config.json {w_bit, q_group_size, zero_point, version}.
#pragma once

#include <cstdint>
#include <string>

namespace wharf::quant_awq {

struct AwqConfig {
  int bits = 4;
  int64_t group_size = 128;
  bool zero_point = true;
  std::string version = "gemm";  // lower case

  // Throws wharf::Error naming the key: UNSUPPORTED for another quant_method, bits other than 4,
  // or a version other than "gemm" (gemv, marlin, exllama, ipex are other layouts);
  // INVALID_ARGUMENT for a group size that is not a positive multiple of 32 or a wrong type.
  static AwqConfig parse(const std::string& json);
  // True when the JSON names quant_method "awq", or names none but has AutoAWQ's w_bit key.
  static bool recognizes(const std::string& json);
};

}  // namespace wharf::quant_awq

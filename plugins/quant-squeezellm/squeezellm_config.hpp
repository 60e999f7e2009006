// A SqueezeLLM checkpoint's quantization config: vLLM (<= 0.6.0) read quant_config.json
// {"wbits": 4} and took the method from its --quantization flag; config.json's
// quantization_config may also say {"quant_method": "squeezellm", "wbits" | "bits": 4}.
#pragma once

#include <string>

namespace wharf::quant_squeezellm {

struct SqueezeLlmConfig {
  int bits = 4;

  // Throws wharf::Error naming the key: UNSUPPORTED for another quant_method or bits other than
  // 4; INVALID_ARGUMENT for JSON that is not an object or a bits key that is not an integer.
  static SqueezeLlmConfig parse(const std::string& json);
  // True when the JSON names quant_method "squeezellm", or names none but has SqueezeLLM's
  // "wbits" key (AutoAWQ's own file says "w_bit").
  static bool recognizes(const std::string& json);
};

}  // namespace wharf::quant_squeezellm

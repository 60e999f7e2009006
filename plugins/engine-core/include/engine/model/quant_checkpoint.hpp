// Quantized checkpoints: a Hugging Face directory's quantization config, and the choice of the
// quant backend (a `quant` plugin instance, wharf/quant.h) that runs its linear layers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wharf/cpp/quant.hpp"

namespace wharf::engine {

struct QuantizationConfig {
  std::string method;  // quant_method ("awq", "squeezellm", ...); "" when the file names none
  std::string json;    // the config object as JSON text, handed to the backend as it is
  std::string source;  // the file it came from, for messages
};

// config.json's "quantization_config" object, else quant_config.json, else quantize_config.json
// in `dir`; nullopt for an unquantized checkpoint. Throws wharf::Error(DATA) naming the file when
// the config is not a JSON object.
std::optional<QuantizationConfig> readQuantizationConfig(const std::string& dir);

// The backend for `config`: the first whose method() is config.method, else the first that
// recognizes() the config. Throws wharf::Error(UNSUPPORTED) naming the method, where it came from
// and the backends tried (or that none is configured, naming `key`).
QuantClient selectQuantBackend(const std::vector<QuantClient>& backends,
                               const QuantizationConfig& config, const std::string& key);

}  // namespace wharf::engine

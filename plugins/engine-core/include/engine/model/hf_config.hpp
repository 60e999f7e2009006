// Hyper-parameters of a Hugging Face llama / mistral / qwen2 model read from its config.json.
#pragma once

#include <string>

#include "engine/json.hpp"
#include "engine/model/model_config.hpp"

namespace wharf::engine {

// Parses config.json text; `file` names it in errors. Throws wharf::Error (DATA for missing or
// inconsistent keys, UNSUPPORTED for other model types or RoPE scalings). HF llama/mistral weights
// are in the rotate-half layout, so every architecture gets RopeStyle::Neox.
ModelConfig parseHfConfig(const JsonDocument& config, const std::string& file);
// Reads `dir`/config.json.
ModelConfig readHfConfig(const std::string& dir);

}  // namespace wharf::engine

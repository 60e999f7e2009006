// A Hugging Face model directory opened for the CPU runner: config.json, then model.safetensors or
// the shards listed in model.safetensors.index.json (memory-mapped), with the HF tensor names
// (model.layers.N.self_attn.q_proj.weight, ...) mapped onto LlamaWeights. HF llama/mistral q/k
// rows are in the rotate-half layout, so the config says RopeStyle::Neox for every architecture.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model/llama_weights.hpp"
#include "engine/model/model_config.hpp"
#include "engine/model/quant_checkpoint.hpp"
#include "engine/model/safetensors.hpp"

namespace wharf::engine {

// How a quantized checkpoint's linear layers are loaded: by the quant backend chosen for its
// config (selectQuantBackend), for one device.
struct QuantLoad {
  QuantClient backend;
  QuantizationConfig config;
  wharf_device_type device = WHARF_DEVICE_CPU;
  int32_t device_index = 0;
};

struct HfCheckpoint {
  std::string dir;
  ModelConfig config;  // config.quantization names the backend's method when `quant` was given
  std::vector<SafetensorsFile> shards;
  LlamaWeights weights;                                    // views into `shards` and `quant_layers`
  std::vector<std::unique_ptr<QuantLinear>> quant_layers;  // the backend's repacked layers

  // Throws wharf::Error naming the file: NOT_FOUND for missing files or tensors, DATA for corrupt
  // ones or wrong shapes, UNSUPPORTED for other dtypes or model types. With `quant`, every linear
  // layer whose tensors carry the backend's first suffix (`<layer>.qweight`) is loaded by the
  // backend (its errors are prefixed with the layer's name); the others, such as the
  // modules_to_not_convert, are read from `<layer>.weight` as usual.
  static std::shared_ptr<const HfCheckpoint> open(const std::string& dir,
                                                  const QuantLoad* quant = nullptr);
};

// True when `path` is a directory (the engine then loads it as a Hugging Face model).
bool isHfModelDirectory(const std::string& path);

}  // namespace wharf::engine

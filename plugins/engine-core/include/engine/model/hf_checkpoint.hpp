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
#include "engine/model/safetensors.hpp"

namespace wharf::engine {

struct HfCheckpoint {
  std::string dir;
  ModelConfig config;
  std::vector<SafetensorsFile> shards;
  LlamaWeights weights;  // views into `shards`

  // Throws wharf::Error naming the file: NOT_FOUND for missing files or tensors, DATA for corrupt
  // ones or wrong shapes, UNSUPPORTED for other dtypes or model types.
  static std::shared_ptr<const HfCheckpoint> open(const std::string& dir);
};

// True when `path` is a directory (the engine then loads it as a Hugging Face model).
bool isHfModelDirectory(const std::string& path);

}  // namespace wharf::engine

// The device-specific half of an engine: owns the weights and the KV storage, runs forward steps.
// The scheduler, block manager and sampler (device-independent) drive it.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/forward_batch.hpp"
#include "engine/model_config.hpp"

namespace wharf::engine {

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  virtual const ModelConfig& config() const = 0;
  // Bytes of KV storage that one block of kKvBlockSize tokens takes (all layers, K and V).
  virtual size_t kvBytesPerBlock() const = 0;
  // Allocates KV storage for `blocks` blocks (dropping any previous contents).
  virtual void allocateKvCache(size_t blocks) = 0;
  // Writes the batch's K/V into the cache and returns logits for batch.logit_rows, row-major
  // (logit_rows.size() x vocab_size).
  virtual void forward(const ForwardBatch& batch, std::vector<float>& logits) = 0;
  // Threads or streams the runner computes with (for stats).
  virtual int parallelism() const = 0;
};

}  // namespace wharf::engine

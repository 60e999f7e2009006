// Sizing the KV cache on a device, vLLM's way: after the weights are on the device and a
// profiling forward at the largest batch has run, the cache gets what is left of
// total x gpu_memory_utilization, in whole blocks. A model that leaves nothing, or less than one
// max_model_len sequence, is a start-up error that says what takes the memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wharf::engine::cuda {

// What a device reports (cudaMemGetInfo), and a fake device's answers in tests.
struct DeviceMemoryInfo {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
};

struct KvCacheRequest {
  DeviceMemoryInfo after_profile;     // measured after the weights and the profiling forward
  uint64_t peak_workspace_bytes = 0;  // the profiling forward's peak, freed before measuring
  double utilization = 0.90;          // gpu_memory_utilization: the share of the device to use
  size_t bytes_per_block = 0;         // ModelRunner::kvBytesPerBlock()
  size_t tokens_per_block = 16;
  size_t max_model_len = 0;  // one sequence of this length must fit
};

struct KvCachePlan {
  size_t blocks = 0;
  uint64_t kv_bytes = 0;
  uint64_t budget_bytes = 0;  // total x utilization
  uint64_t used_bytes = 0;    // weights, runtime, workspace peak: what the cache cannot have
};

// Throws wharf::Error (NO_SPACE) naming the sizes when the cache would not hold one
// max_model_len sequence, and (INVALID_ARGUMENT) for a utilization outside (0, 1].
KvCachePlan planKvCache(const KvCacheRequest& request);

// "1.50 GiB"
std::string formatBytes(uint64_t bytes);

}  // namespace wharf::engine::cuda

#include "engine/cuda/kv_cache_plan.hpp"

#include <cstdio>

#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {

std::string formatBytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
  return text;
}

KvCachePlan planKvCache(const KvCacheRequest& r) {
  if (!(r.utilization > 0.0 && r.utilization <= 1.0)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "gpu_memory_utilization must be in (0, 1], got " + std::to_string(r.utilization));
  }
  if (r.bytes_per_block == 0 || r.tokens_per_block == 0)
    throw Error(WHARF_ERR_INTERNAL, "KV cache plan: zero block size");
  const DeviceMemoryInfo& m = r.after_profile;
  if (m.free_bytes > m.total_bytes) throw Error(WHARF_ERR_INTERNAL, "device reports free > total");
  KvCachePlan p;
  p.budget_bytes = static_cast<uint64_t>(static_cast<double>(m.total_bytes) * r.utilization);
  p.used_bytes = m.total_bytes - m.free_bytes + r.peak_workspace_bytes;
  const uint64_t left = p.budget_bytes > p.used_bytes ? p.budget_bytes - p.used_bytes : 0;
  p.blocks = static_cast<size_t>(left / r.bytes_per_block);
  p.kv_bytes = static_cast<uint64_t>(p.blocks) * r.bytes_per_block;
  const size_t needed = (r.max_model_len + r.tokens_per_block - 1) / r.tokens_per_block;
  if (p.blocks == 0 || p.blocks < needed) {
    const std::string usage =
        "weights, runtime and the profiling forward take " + formatBytes(p.used_bytes) +
        " of the " + formatBytes(p.budget_bytes) + " allowed (gpu_memory_utilization " +
        std::to_string(r.utilization).substr(0, 4) + " of " + formatBytes(m.total_bytes) + ")";
    if (p.blocks == 0)
      throw Error(WHARF_ERR_NO_SPACE, "the model does not fit on the device: " + usage);
    throw Error(WHARF_ERR_NO_SPACE,
                "the KV cache left on the device holds " +
                    std::to_string(p.blocks * r.tokens_per_block) + " tokens, fewer than one " +
                    std::to_string(r.max_model_len) + "-token sequence (max_model_len): " + usage +
                    "; raise gpu_memory_utilization or lower max_model_len");
  }
  return p;
}

}  // namespace wharf::engine::cuda

// KV cache sizing against a fake device: what the cache gets after the weights and the profiling
// forward, whole blocks, and start-up errors that name the sizes.
#include "engine/cuda/kv_cache_plan.hpp"

#include <gtest/gtest.h>

#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {
namespace {

constexpr uint64_t GiB = 1ull << 30;

// A device of `total` bytes on which the weights and the runtime hold `used`.
KvCacheRequest onDevice(uint64_t total, uint64_t used) {
  KvCacheRequest r;
  r.after_profile = {total, total - used};
  r.bytes_per_block = 2 * 16 * 32 * 1024 * 2;  // K+V, 16 tokens, 32 layers, kv_dim 1024, f16
  r.max_model_len = 8192;
  return r;
}

TEST(KvCachePlan, TheCacheGetsTheBudgetLeftAfterWeightsAndWorkspace) {
  KvCacheRequest r = onDevice(140 * GiB, 17 * GiB);  // an H200 with an 8B model and the runtime
  r.peak_workspace_bytes = 3 * GiB;
  const KvCachePlan p = planKvCache(r);
  EXPECT_EQ(p.budget_bytes, static_cast<uint64_t>(140.0 * GiB * 0.90));
  EXPECT_EQ(p.used_bytes, 20 * GiB);
  EXPECT_EQ(p.blocks, (p.budget_bytes - 20 * GiB) / r.bytes_per_block);
  EXPECT_EQ(p.kv_bytes, p.blocks * r.bytes_per_block);
  EXPECT_LE(p.kv_bytes + p.used_bytes, p.budget_bytes);
  EXPECT_GT(p.kv_bytes + p.used_bytes + r.bytes_per_block, p.budget_bytes);  // whole blocks
}

TEST(KvCachePlan, UtilizationScalesTheBudget) {
  KvCacheRequest r = onDevice(80 * GiB, 10 * GiB);
  r.utilization = 0.5;
  EXPECT_EQ(planKvCache(r).blocks, 30 * GiB / r.bytes_per_block);
}

std::string failure(const KvCacheRequest& r) {
  try {
    planKvCache(r);
  } catch (const Error& e) {
    return e.what();
  }
  return "planned";
}

TEST(KvCachePlan, AModelThatDoesNotFitSaysWhatTakesTheMemory) {
  const KvCacheRequest r = onDevice(24 * GiB, 23 * GiB);
  EXPECT_EQ(failure(r),
            "the model does not fit on the device: weights, runtime and the profiling forward take "
            "23.00 GiB of the 21.60 GiB allowed (gpu_memory_utilization 0.90 of 24.00 GiB)");
}

TEST(KvCachePlan, ACacheBelowOneMaxModelLenSequenceIsRefused) {
  KvCacheRequest r = onDevice(24 * GiB, 21 * GiB);
  r.max_model_len = 131072;
  const std::string e = failure(r);
  EXPECT_NE(e.find("fewer than one 131072-token sequence (max_model_len)"), std::string::npos) << e;
  EXPECT_NE(e.find("raise gpu_memory_utilization or lower max_model_len"), std::string::npos);
  r.max_model_len = 4096;
  EXPECT_GT(planKvCache(r).blocks, 4096u / 16);
}

TEST(KvCachePlan, UtilizationOutsideTheUnitIntervalIsRefused) {
  KvCacheRequest r = onDevice(24 * GiB, 1 * GiB);
  for (double u : {0.0, -0.5, 1.01}) {
    r.utilization = u;
    EXPECT_NE(failure(r).find("gpu_memory_utilization must be in (0, 1]"), std::string::npos);
  }
}

}  // namespace
}  // namespace wharf::engine::cuda

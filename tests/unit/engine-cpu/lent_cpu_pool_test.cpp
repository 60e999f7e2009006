// engine-cpu lends its ThreadPool to quant backends: every item runs exactly once, on a worker
// index below `workers`, and the loop has ended when parallel_for returns.
#include "engine/cpu/lent_cpu_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <vector>

#include "wharf/cpp/quant.hpp"

namespace wharf::engine {

TEST(LentCpuPool, CoversEveryItemOnceOnTheEnginesThreads) {
  ThreadPool threads(3);
  LentCpuPool lent(threads);
  const wharf_cpu_pool& pool = lent.get();
  EXPECT_EQ(pool.workers, 3u);
  for (size_t count : {0u, 1u, 2u, 7u, 1000u}) {
    std::vector<std::atomic<int>> seen(count);
    std::atomic<uint32_t> max_worker{0};
    CpuPool(&pool).parallelFor(count, [&](size_t begin, size_t end, uint32_t worker) {
      for (size_t i = begin; i < end; ++i) seen[i].fetch_add(1);
      uint32_t m = max_worker.load();
      while (worker > m && !max_worker.compare_exchange_weak(m, worker)) {
      }
    });
    for (size_t i = 0; i < count; ++i) EXPECT_EQ(seen[i].load(), 1) << count << " item " << i;
    EXPECT_LT(max_worker.load(), pool.workers);
  }
}

}  // namespace wharf::engine

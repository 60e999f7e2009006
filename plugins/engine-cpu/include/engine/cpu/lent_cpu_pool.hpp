// The engine's ThreadPool lent to a quant backend as a wharf_cpu_pool (wharf/quant.h), so that a
// CPU backend's kernels run on the threads engine-cpu was configured with.
#pragma once

#include "engine/cpu/thread_pool.hpp"
#include "wharf/quant.h"

namespace wharf::engine {

class LentCpuPool {
 public:
  explicit LentCpuPool(ThreadPool& pool) : pool_(pool) {
    c_.struct_size = sizeof c_;
    c_.workers = static_cast<uint32_t>(pool.size());
    c_.ctx = this;
    c_.parallel_for = [](void* ctx, size_t count, wharf_range_fn fn, void* fn_ctx) {
      static_cast<LentCpuPool*>(ctx)->pool_.parallelFor(
          count, [&](size_t begin, size_t end, int worker) {
            fn(fn_ctx, begin, end, static_cast<uint32_t>(worker));
          });
    };
  }
  LentCpuPool(const LentCpuPool&) = delete;
  LentCpuPool& operator=(const LentCpuPool&) = delete;
  const wharf_cpu_pool& get() const { return c_; }

 private:
  ThreadPool& pool_;
  wharf_cpu_pool c_{};
};

}  // namespace wharf::engine

#include "engine/cpu/thread_pool.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace wharf::engine {

namespace {
void cpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}
// Spinning keeps short loops cheap on an idle machine; beyond this the thread yields or sleeps so
// that a loaded machine (or more threads than cores) does not starve the thread being waited on.
constexpr int kSpinIterations = 2000;
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::runShare(int index) {
  size_t n = job_size_;
  size_t parts = static_cast<size_t>(size());
  size_t i = static_cast<size_t>(index);
  size_t begin = n * i / parts, end = n * (i + 1) / parts;
  if (begin < end) (*job_)(begin, end, index);
}

void ThreadPool::parallelFor(size_t n, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  if (workers_.empty() || n == 1) {
    fn(0, n, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_size_ = n;
    pending_.store(static_cast<int>(workers_.size()));
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  runShare(0);
  for (int spins = 0; pending_.load(std::memory_order_acquire) > 0; ++spins) {
    if (spins < kSpinIterations) {
      cpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::workerLoop(int index) {
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinIterations) {
      cpuRelax();
      ++spins;
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    runShare(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace wharf::engine

// A small fixed pool for data-parallel loops: parallelFor splits [0, n) into one contiguous range
// per thread, the calling thread taking part. Workers spin briefly before sleeping, since the
// forward pass issues many short loops back to back.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wharf::engine {

class ThreadPool {
 public:
  // threads <= 0: one per hardware thread.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(begin, end, thread_index) over a partition of [0, n); returns when all are done.
  // Not re-entrant: one loop at a time (the model runner's thread drives it).
  void parallelFor(size_t n, const std::function<void(size_t, size_t, int)>& fn);

 private:
  void workerLoop(int index);
  void runShare(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(size_t, size_t, int)>* job_ = nullptr;
  size_t job_size_ = 0;
};

}  // namespace wharf::engine

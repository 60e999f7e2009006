#include "http/worker_pool.hpp"

#include <pthread.h>

#include "logging/logging.hpp"

namespace wharf::host {

WorkerPool::WorkerPool(std::string name, int min_threads, int max_threads, size_t max_queued,
                       Handler handler)
    : name_(std::move(name)),
      max_threads_(max_threads),
      max_queued_(max_queued),
      handler_(std::move(handler)) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < min_threads; ++i) spawn();
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::spawn() {
  threads_.emplace_back([this] { run(); });
  std::string thread_name = name_.substr(0, 15);
  pthread_setname_np(threads_.back().native_handle(), thread_name.c_str());
}

bool WorkerPool::submit(WorkItem& item) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(item));
    if (idle_ < static_cast<int>(queue_.size()) &&
        static_cast<int>(threads_.size()) < max_threads_) {
      try {
        spawn();
      } catch (const std::exception& e) {
        hostLogger().warning("listener " + name_ + ": cannot start a worker: " + e.what());
      }
    }
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left
    WorkItem item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      handler_(std::move(item));
    } catch (const std::exception& e) {
      hostLogger().error("listener " + name_ + ": " + e.what());
    } catch (...) {
      hostLogger().error("listener " + name_ + ": unknown exception in a worker");
    }
    lock.lock();
  }
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

}  // namespace wharf::host

// The workers of one listener: threads that serve complete requests handed over by the waiting
// room. Threads start as work arrives, up to max_threads; requests beyond that wait in a queue of
// at most max_queued, and a request that finds the queue full is refused (the caller answers 503).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/connection.hpp"
#include "http/request_head.hpp"

namespace wharf::host {

struct WorkItem {
  std::unique_ptr<Connection> connection;
  RequestHead head;
};

class WorkerPool {
 public:
  using Handler = std::function<void(WorkItem)>;
  WorkerPool(std::string name, int min_threads, int max_threads, size_t max_queued,
             Handler handler);
  ~WorkerPool();

  // Queues the item; false (the item untouched) when the queue is full or the pool stopped.
  bool submit(WorkItem& item);
  // Serves what is queued, then ends every thread.
  void stop();

 private:
  void run();
  void spawn();

  const std::string name_;
  const int max_threads_;
  const size_t max_queued_;
  Handler handler_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<WorkItem> queue_;
  std::vector<std::thread> threads_;
  int idle_ = 0;
  bool stopping_ = false;
};

}  // namespace wharf::host

// WriteBehind: hands filled buffers to a helper thread that writes them to a storage writer, so
// that receiving and hashing a request body overlaps with the copy into storage (on two cores a
// push runs at the speed of its slowest stage instead of the sum of all three).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "wharf/cpp/storage.hpp"

namespace wharf::registry {

class WriteBehind {
 public:
  WriteBehind(StorageClient::Writer& writer, size_t buffer_size, size_t buffers);
  ~WriteBehind();

  // A free buffer to fill (blocks while all are queued); nullptr after a write failed.
  char* acquire();
  // Queues the buffer from acquire() holding `size` bytes.
  void submit(char* buffer, size_t size);
  // Waits for every queued write; rethrows the first write error.
  void finish();
  size_t bufferSize() const { return buffer_size_; }

 private:
  void run();

  StorageClient::Writer& writer_;
  size_t buffer_size_;
  std::vector<std::unique_ptr<char[]>> storage_;
  std::vector<char*> free_;
  std::vector<std::pair<char*, size_t>> queue_;  // FIFO
  size_t head_ = 0;
  bool closing_ = false;
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
};

}  // namespace wharf::registry

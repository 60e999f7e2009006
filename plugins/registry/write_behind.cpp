#include "write_behind.hpp"

namespace wharf::registry {

WriteBehind::WriteBehind(StorageClient::Writer& writer, size_t buffer_size, size_t buffers)
    : writer_(writer), buffer_size_(buffer_size) {
  for (size_t i = 0; i < buffers; ++i) {
    storage_.push_back(std::make_unique<char[]>(buffer_size));
    free_.push_back(storage_.back().get());
  }
  thread_ = std::thread([this] { run(); });
}

WriteBehind::~WriteBehind() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

char* WriteBehind::acquire() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !free_.empty() || error_; });
  if (error_) return nullptr;
  char* b = free_.back();
  free_.pop_back();
  return b;
}

void WriteBehind::submit(char* buffer, size_t size) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(buffer, size);
  }
  changed_.notify_all();
}

void WriteBehind::finish() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
}

void WriteBehind::run() {
  for (;;) {
    std::pair<char*, size_t> item;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return head_ < queue_.size() || closing_; });
      if (head_ == queue_.size()) return;  // closing and drained
      item = queue_[head_++];
      if (head_ == queue_.size()) {
        queue_.clear();
        head_ = 0;
      }
    }
    try {
      if (!error_) writer_.write(item.first, item.second);
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      free_.push_back(item.first);
    }
    changed_.notify_all();
  }
}

}  // namespace wharf::registry

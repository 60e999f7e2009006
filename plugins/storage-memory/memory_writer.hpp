// MemoryWriter: buffers a pending object privately; commit() publishes it in one step.
#pragma once

#include <cstdint>
#include <string>

#include "memory_driver.hpp"

namespace wharf::memory {

class MemoryWriter : public StorageWriter {
 public:
  MemoryWriter(MemoryDriver& driver, std::string path);
  ~MemoryWriter() override;

  void write(const void* data, size_t size) override;
  uint64_t written() const override { return buffer_.size(); }
  void commit() override;

 private:
  MemoryDriver& driver_;
  std::string path_;
  std::string buffer_;
  bool done_ = false;
};

}  // namespace wharf::memory

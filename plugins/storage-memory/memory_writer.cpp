#include "memory_writer.hpp"

#include <utility>

namespace wharf::memory {

MemoryWriter::MemoryWriter(MemoryDriver& driver, std::string path)
    : driver_(driver), path_(std::move(path)) {}

MemoryWriter::~MemoryWriter() {
  if (!done_) driver_.release(buffer_.size());
}

void MemoryWriter::write(const void* data, size_t size) {
  if (done_) throw Error(WHARF_ERR_INVALID_ARGUMENT, "writer for '" + path_ + "' is finished");
  driver_.reserve(size);
  try {
    buffer_.append(static_cast<const char*>(data), size);
  } catch (...) {
    driver_.release(size);
    throw;
  }
}

void MemoryWriter::commit() {
  if (done_) throw Error(WHARF_ERR_INVALID_ARGUMENT, "writer for '" + path_ + "' is finished");
  uint64_t size = buffer_.size();
  auto data = std::make_shared<const std::string>(std::move(buffer_));
  buffer_.clear();
  done_ = true;
  try {
    driver_.install(path_, std::move(data));
  } catch (...) {
    driver_.release(size);
    throw;
  }
}

}  // namespace wharf::memory

// Owned device memory (cudaMalloc/cudaFree) that grows on demand, and the device's memory report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/cuda/kv_cache_plan.hpp"

namespace wharf::engine::cuda {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes) { reserve(bytes); }
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) {
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // At least `bytes` (contents are lost when it grows).
  void reserve(size_t bytes);
  void upload(const void* host, size_t bytes);  // reserve + copy
  size_t bytes() const { return bytes_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

DeviceMemoryInfo deviceMemory();

}  // namespace wharf::engine::cuda

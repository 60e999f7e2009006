// A read-only memory mapping of a whole file (or an owned in-memory buffer with the same interface,
// for tests and generated data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wharf::engine {

class MappedFile {
 public:
  // Maps `path` read-only; throws wharf::Error (NOT_FOUND / IO) naming the file on failure.
  static MappedFile open(const std::string& path);
  // Wraps bytes held in memory.
  static MappedFile fromBytes(std::vector<uint8_t> bytes, std::string name = "<memory>");

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& name() const { return name_; }

 private:
  void release() noexcept;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::vector<uint8_t> owned_;
  std::string name_;
};

}  // namespace wharf::engine

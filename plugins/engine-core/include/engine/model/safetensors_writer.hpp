// Writes a `.safetensors` file (the format safetensors.hpp reads): tensors are appended to a data
// file as they come, so a model is never held in memory whole, and finish() writes the header
// (tensors in name order, offsets into the data, optional __metadata__) followed by the data.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace wharf::engine {

class SafetensorsWriter {
 public:
  // The data goes to `path` + ".data" until finish(); throws wharf::Error(IO) naming it.
  explicit SafetensorsWriter(std::string path);
  ~SafetensorsWriter();
  SafetensorsWriter(const SafetensorsWriter&) = delete;
  SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

  // dtype as safetensors names it ("F16", "F32", "I32", ...); `bytes` must match shape x width.
  // Throws wharf::Error(INVALID_ARGUMENT) for a repeated name or a size mismatch.
  void add(const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape,
           const void* data, size_t bytes);
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // Writes `path` (header then data) and removes the data file.
  void finish(const std::map<std::string, std::string>& metadata = {});

 private:
  struct Entry {
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;
  };
  std::string path_, data_path_;
  std::ofstream data_;
  uint64_t size_ = 0;
  std::map<std::string, Entry> tensors_;
  bool finished_ = false;
};

}  // namespace wharf::engine

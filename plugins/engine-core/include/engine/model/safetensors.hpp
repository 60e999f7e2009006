// Reader of Hugging Face `.safetensors` files over a memory mapping: an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}} and the tensor
// bytes. Every offset is bounds-checked; a corrupt file raises wharf::Error(WHARF_ERR_DATA) naming
// the file. F32, F16 and BF16 tensors are read (other dtypes are named in the error when used).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/ggml_type.hpp"
#include "engine/model/mapped_file.hpp"

namespace wharf::engine {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;            // "F32", "F16", "BF16", ... as written in the header
  std::vector<uint64_t> shape;  // outermost first, as PyTorch writes it
  const uint8_t* data = nullptr;
  uint64_t bytes = 0;

  uint64_t elements() const;
  // The GGML type of a supported dtype; throws UNSUPPORTED naming the tensor otherwise.
  GgmlType ggmlType(const std::string& file) const;
};

// Bytes per element of a safetensors dtype name ("F16" -> 2); 0 when unknown.
size_t safetensorsDtypeBytes(const std::string& dtype);

class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::string& path);
  static SafetensorsFile parse(MappedFile file);

  const std::string& name() const { return file_.name(); }
  const std::map<std::string, SafetensorsTensor, std::less<>>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;

 private:
  MappedFile file_;
  std::map<std::string, SafetensorsTensor, std::less<>> tensors_;
};

}  // namespace wharf::engine

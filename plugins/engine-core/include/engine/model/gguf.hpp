// GGUF v3 reader over a memory-mapped file: metadata key/values (every value type, nested arrays),
// tensor infos and the aligned tensor data. Every read is bounds-checked; a truncated or corrupt
// file raises wharf::Error(WHARF_ERR_DATA) with a message naming the file and what was wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/ggml_type.hpp"
#include "engine/model/mapped_file.hpp"

namespace wharf::engine {

enum class GgufValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};

// One metadata value. Strings point into the mapping (valid while the GgufFile lives).
struct GgufValue {
  GgufValueType type = GgufValueType::UINT8;
  union {
    uint64_t u;
    int64_t i;
    double f;
  } number{};
  std::string_view string;
  GgufValueType element_type = GgufValueType::UINT8;  // for arrays
  std::vector<GgufValue> elements;                    // for arrays

  bool isInteger() const;
  bool isFloat() const;
  int64_t asInt() const;   // any integer or bool type
  double asFloat() const;  // any number type
  bool asBool() const;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // dims[0] is the contiguous (innermost) one, as GGML's ne[0]
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t bytes = 0;
  const uint8_t* data = nullptr;

  uint64_t elements() const;
  uint64_t rows() const { return dims.empty() ? 1 : elements() / dims[0]; }
};

class GgufFile {
 public:
  static GgufFile open(const std::string& path);
  static GgufFile parse(MappedFile file);

  const std::string& name() const { return file_.name(); }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t dataOffset() const { return data_offset_; }

  const std::map<std::string, GgufValue, std::less<>>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;
  // Typed lookups: throw (DATA) when the key exists with another type, or when required & absent.
  std::optional<int64_t> intValue(std::string_view key) const;
  std::optional<double> floatValue(std::string_view key) const;
  std::optional<bool> boolValue(std::string_view key) const;
  std::optional<std::string> stringValue(std::string_view key) const;
  int64_t requireInt(std::string_view key) const;
  std::string requireString(std::string_view key) const;
  // A string array (for example tokenizer.ggml.tokens); empty when absent.
  std::vector<std::string_view> stringArray(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* findTensor(std::string_view name) const;
  const GgufTensorInfo& requireTensor(std::string_view name) const;

 private:
  MappedFile file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::map<std::string, GgufValue, std::less<>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

const char* valueTypeName(GgufValueType type);

}  // namespace wharf::engine

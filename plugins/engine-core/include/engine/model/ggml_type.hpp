// Tensor element types as numbered by GGML/GGUF, with the block geometry of the supported ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wharf::engine {

enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q8_0 = 8,
  BF16 = 30,
};

struct GgmlTypeInfo {
  const char* name;
  size_t block_elements;  // weights per block (1 for plain floats)
  size_t block_bytes;     // bytes per block
};

// True for the types this engine reads.
bool isSupported(uint32_t type);
// Block geometry of a supported type; throws for the others.
const GgmlTypeInfo& typeInfo(GgmlType type);
// "Q4_K", "IQ2_XXS", ... for any GGML type number, "type 123" when unknown.
std::string typeName(uint32_t type);

}  // namespace wharf::engine

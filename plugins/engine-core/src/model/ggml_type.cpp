#include "engine/model/ggml_type.hpp"

#include <array>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

// Every GGML type name by number, so an unsupported file gets a message that names its type.
constexpr std::array<const char*, 40> kNames = {"F32",
                                                "F16",
                                                "Q4_0",
                                                "Q4_1",
                                                "Q4_2 (removed)",
                                                "Q4_3 (removed)",
                                                "Q5_0",
                                                "Q5_1",
                                                "Q8_0",
                                                "Q8_1",
                                                "Q2_K",
                                                "Q3_K",
                                                "Q4_K",
                                                "Q5_K",
                                                "Q6_K",
                                                "Q8_K",
                                                "IQ2_XXS",
                                                "IQ2_XS",
                                                "IQ3_XXS",
                                                "IQ1_S",
                                                "IQ4_NL",
                                                "IQ3_S",
                                                "IQ2_S",
                                                "IQ4_XS",
                                                "I8",
                                                "I16",
                                                "I32",
                                                "I64",
                                                "F64",
                                                "IQ1_M",
                                                "BF16",
                                                "Q4_0_4_4",
                                                "Q4_0_4_8",
                                                "Q4_0_8_8",
                                                "TQ1_0",
                                                "TQ2_0",
                                                "IQ4_NL_4_4",
                                                "IQ4_NL_4_8",
                                                "IQ4_NL_8_8",
                                                "MXFP4"};

constexpr GgmlTypeInfo kF32{"F32", 1, 4};
constexpr GgmlTypeInfo kF16{"F16", 1, 2};
constexpr GgmlTypeInfo kBF16{"BF16", 1, 2};
constexpr GgmlTypeInfo kQ4_0{"Q4_0", 32, 18};
constexpr GgmlTypeInfo kQ4_1{"Q4_1", 32, 20};
constexpr GgmlTypeInfo kQ8_0{"Q8_0", 32, 34};

}  // namespace

bool isSupported(uint32_t type) {
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q8_0:
      return true;
  }
  return false;
}

const GgmlTypeInfo& typeInfo(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
      return kF32;
    case GgmlType::F16:
      return kF16;
    case GgmlType::BF16:
      return kBF16;
    case GgmlType::Q4_0:
      return kQ4_0;
    case GgmlType::Q4_1:
      return kQ4_1;
    case GgmlType::Q8_0:
      return kQ8_0;
  }
  throw Error(WHARF_ERR_UNSUPPORTED,
              "unsupported tensor type " + typeName(static_cast<uint32_t>(type)));
}

std::string typeName(uint32_t type) {
  if (type < kNames.size()) return kNames[type];
  return "type " + std::to_string(type);
}

}  // namespace wharf::engine

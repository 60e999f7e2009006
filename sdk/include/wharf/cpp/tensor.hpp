// Checked reads of the borrowed tensors (wharf/tensor.h) a quant backend's load_linear receives:
// find one by name, check its dtype and shape with a message that names it, and read elements
// that may be unaligned (safetensors data is only byte-aligned).
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/cpp/error.hpp"
#include "wharf/cpp/half.hpp"
#include "wharf/tensor.h"

namespace wharf {

inline const char* dtypeName(wharf_dtype d) {
  switch (d) {
    case WHARF_DTYPE_F32:
      return "F32";
    case WHARF_DTYPE_F16:
      return "F16";
    case WHARF_DTYPE_BF16:
      return "BF16";
    case WHARF_DTYPE_I32:
      return "I32";
    case WHARF_DTYPE_I16:
      return "I16";
    case WHARF_DTYPE_I8:
      return "I8";
    case WHARF_DTYPE_U8:
      return "U8";
  }
  return "?";
}

inline size_t dtypeBytes(wharf_dtype d) {
  switch (d) {
    case WHARF_DTYPE_F32:
    case WHARF_DTYPE_I32:
      return 4;
    case WHARF_DTYPE_F16:
    case WHARF_DTYPE_BF16:
    case WHARF_DTYPE_I16:
      return 2;
    case WHARF_DTYPE_I8:
    case WHARF_DTYPE_U8:
      return 1;
  }
  return 0;
}

inline std::string shapeText(const int64_t* shape, int32_t ndim) {
  std::string s = "[";
  for (int32_t i = 0; i < ndim; ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
  return s + "]";
}

// "I32 [128 x 16]"
inline std::string describeTensor(const wharf_tensor& t) {
  return std::string(dtypeName(t.dtype)) + " " + shapeText(t.shape, t.ndim);
}

inline int64_t tensorElements(const wharf_tensor& t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t.ndim; ++i) n *= t.shape[i];
  return n;
}

inline const wharf_tensor* findTensor(const std::vector<wharf_tensor>& tensors,
                                      std::string_view name) {
  for (const wharf_tensor& t : tensors)
    if (t.name && name == t.name) return &t;
  return nullptr;
}

// Throws Error(NOT_FOUND) "tensor 'NAME' is missing" when there is none.
inline const wharf_tensor& requireTensor(const std::vector<wharf_tensor>& tensors,
                                         std::string_view name) {
  if (const wharf_tensor* t = findTensor(tensors, name)) return *t;
  throw Error(WHARF_ERR_NOT_FOUND, "tensor '" + std::string(name) + "' is missing");
}

// Throws Error(DATA) "tensor 'qweight' is I32 [3 x 4], expected I32 [128 x 16]" unless `t` has
// this dtype and shape (a dimension of -1 matches any size), or is on another device than the
// host.
inline void expectTensor(const wharf_tensor& t, wharf_dtype dtype,
                         std::initializer_list<int64_t> shape) {
  bool ok = t.dtype == dtype && t.ndim == static_cast<int32_t>(shape.size()) && t.data;
  int32_t i = 0;
  std::string want = "[";
  for (int64_t d : shape) {
    ok = ok && i < t.ndim && (d < 0 || t.shape[i] == d);
    want += (i++ ? " x " : "") + (d < 0 ? std::string("*") : std::to_string(d));
  }
  const std::string name = t.name ? t.name : "?";
  if (!ok) {
    throw Error(WHARF_ERR_DATA, "tensor '" + name + "' is " + describeTensor(t) + ", expected " +
                                    dtypeName(dtype) + " " + want + "]");
  }
  if (t.device != WHARF_DEVICE_CPU)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "tensor '" + name + "' is not in host memory");
}

// A host F32 [rows x cols] view of `data` (the x or y of a forward call, a weight to quantize).
inline wharf_tensor hostF32(const void* data, int64_t rows, int64_t cols) {
  wharf_tensor t{};
  t.dtype = WHARF_DTYPE_F32;
  t.device = WHARF_DEVICE_CPU;
  t.ndim = 2;
  t.shape[0] = rows;
  t.shape[1] = cols;
  t.data = data;
  return t;
}

// The x or y of a forward call: host F32 [rows x cols] (any rows); throws Error(INVALID_ARGUMENT)
// "<what> is F16 [2 x 8], expected host F32 [rows x 576]" otherwise.
inline void expectRows(const wharf_tensor& t, const std::string& what, int64_t cols) {
  if (t.dtype != WHARF_DTYPE_F32 || t.ndim != 2 || t.shape[1] != cols || t.shape[0] < 0 ||
      !t.data || t.device != WHARF_DEVICE_CPU)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, what + " is " + describeTensor(t) +
                                                ", expected host F32 [rows x " +
                                                std::to_string(cols) + "]");
}

// Element i of a host tensor of 4-byte integers, or of f16 values, wherever it is aligned.
inline int32_t loadI32(const wharf_tensor& t, int64_t i) {
  int32_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(t.data) + i * 4, 4);
  return v;
}
inline float loadF16(const wharf_tensor& t, int64_t i) {
  uint16_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(t.data) + i * 2, 2);
  return fp16ToFloat(v);
}

inline float loadF32(const wharf_tensor& t, int64_t i) {
  float v;
  std::memcpy(&v, static_cast<const uint8_t*>(t.data) + i * 4, 4);
  return v;
}
inline float loadBF16(const wharf_tensor& t, int64_t i) {
  uint16_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(t.data) + i * 2, 2);
  return bf16ToFloat(v);
}
// Element i of an F32, F16 or BF16 host tensor (a weight to quantize); throws
// Error(INVALID_ARGUMENT) naming the dtype for any other.
inline float loadFloat(const wharf_tensor& t, int64_t i) {
  switch (t.dtype) {
    case WHARF_DTYPE_F32:
      return loadF32(t, i);
    case WHARF_DTYPE_F16:
      return loadF16(t, i);
    case WHARF_DTYPE_BF16:
      return loadBF16(t, i);
    default:
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "tensor '" + std::string(t.name ? t.name : "?") +
                                                  "' is " + dtypeName(t.dtype) +
                                                  ", not F32, F16 or BF16");
  }
}

// Hands one host tensor to a wharf_tensor_sink_fn (quantize's output); throws what the sink
// reports.
inline void emitTensor(wharf_tensor_sink_fn sink, void* ctx, const char* name, wharf_dtype dtype,
                       std::initializer_list<int64_t> shape, const void* data) {
  wharf_tensor t{};
  t.name = name;
  t.dtype = dtype;
  t.device = WHARF_DEVICE_CPU;
  t.ndim = static_cast<int32_t>(shape.size());
  int32_t i = 0;
  for (int64_t d : shape) t.shape[i++] = d;
  t.data = data;
  wharf_error* err = nullptr;
  check(sink(ctx, &t, &err), err, "tensor sink");
}

}  // namespace wharf

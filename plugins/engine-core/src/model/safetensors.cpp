#include "engine/model/safetensors.hpp"

#include <cstring>
#include <limits>
#include <utility>

#include "engine/json.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the format's own limit is 100 MB

[[noreturn]] void corrupt(const std::string& file, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "safetensors file '" + file + "': " + what);
}

// A non-negative integer that a double represents exactly.
uint64_t index(const JsonDocument& v, const std::string& file, const std::string& what) {
  if (!v.is_number()) corrupt(file, what + " is not a non-negative integer");
  const double d = v.get<double>();
  if (d < 0 || d > 9.0e15 || d != static_cast<double>(static_cast<uint64_t>(d))) {
    corrupt(file, what + " is not a non-negative integer");
  }
  return static_cast<uint64_t>(d);
}

}  // namespace

uint64_t SafetensorsTensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

GgmlType SafetensorsTensor::ggmlType(const std::string& file) const {
  if (dtype == "F32") return GgmlType::F32;
  if (dtype == "F16") return GgmlType::F16;
  if (dtype == "BF16") return GgmlType::BF16;
  throw Error(WHARF_ERR_UNSUPPORTED, "safetensors file '" + file + "': tensor '" + name +
                                         "' has dtype " + dtype + " (supported: F32, F16, BF16)");
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  return parse(MappedFile::open(path));
}

SafetensorsFile SafetensorsFile::parse(MappedFile file) {
  SafetensorsFile st;
  st.file_ = std::move(file);
  const std::string& fname = st.file_.name();
  const uint8_t* base = st.file_.data();
  const uint64_t size = st.file_.size();
  if (size < 8) corrupt(fname, "shorter than the 8-byte header length");
  uint64_t header_len = 0;
  std::memcpy(&header_len, base, 8);
  if (header_len > kMaxHeaderBytes) corrupt(fname, "header length is too large");
  if (header_len > size - 8) corrupt(fname, "header runs past the end of the file");
  const std::string_view text(reinterpret_cast<const char*>(base + 8), header_len);
  JsonDocument header;
  try {
    header = parseJson<JsonDocument>(text);
  } catch (const Error& e) {
    corrupt(fname, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) corrupt(fname, "header is not a JSON object");
  const uint8_t* data = base + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  for (const auto& [key, info] : header.items()) {
    if (key == "__metadata__") continue;
    const std::string what = "tensor '" + key + "'";
    if (!info.is_object()) corrupt(fname, what + " is not an object");
    const JsonDocument& dtype = jsonMemberOrNull(info, "dtype");
    const JsonDocument& shape = jsonMemberOrNull(info, "shape");
    const JsonDocument& offsets = jsonMemberOrNull(info, "data_offsets");
    if (!dtype.is_string()) corrupt(fname, what + " has no dtype");
    if (!shape.is_array()) corrupt(fname, what + " has no shape");
    if (!offsets.is_array() || offsets.size() != 2) corrupt(fname, what + " has no data_offsets");
    SafetensorsTensor t;
    t.name = key;
    t.dtype = dtype.get<std::string>();
    uint64_t elements = 1;
    for (const JsonDocument& d : shape) {
      uint64_t n = index(d, fname, what + " shape");
      if (n != 0 && elements > std::numeric_limits<uint64_t>::max() / n) {
        corrupt(fname, what + " shape overflows");
      }
      elements *= n;
      t.shape.push_back(n);
    }
    const uint64_t begin = index(offsets[0], fname, what + " data_offsets");
    const uint64_t end = index(offsets[1], fname, what + " data_offsets");
    if (begin > end || end > data_size) {
      corrupt(fname, what + " data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                         ") lie outside the " + std::to_string(data_size) + " data bytes");
    }
    const uint64_t width = safetensorsDtypeBytes(t.dtype);
    if (width == 0) corrupt(fname, what + " has unknown dtype '" + t.dtype + "'");
    if (elements > std::numeric_limits<uint64_t>::max() / width ||
        elements * width != end - begin) {
      corrupt(fname, what + " byte size does not match its shape and dtype");
    }
    t.data = data + begin;
    t.bytes = end - begin;
    st.tensors_.emplace(key, std::move(t));
  }
  return st;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

size_t safetensorsDtypeBytes(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2") {
    return 1;
  }
  return 0;
}

}  // namespace wharf::engine

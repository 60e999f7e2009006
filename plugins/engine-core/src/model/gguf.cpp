#include "engine/model/gguf.hpp"

#include <cstring>
#include <limits>
#include <utility>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint32_t kMaxDims = 4;
constexpr uint32_t kMaxArrayDepth = 8;

[[noreturn]] void corrupt(const std::string& file, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "GGUF file '" + file + "': " + what);
}

// Sequential, bounds-checked reads over the mapping.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& file)
      : data_(data), size_(size), file_(file) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }

  template <class T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string_view string(const char* what) {
    uint64_t n = read<uint64_t>(what);
    need(n, what);
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }

  [[noreturn]] void fail(const std::string& what) const {
    corrupt(file_, what + " (at byte " + std::to_string(pos_) + ")");
  }

 private:
  void need(uint64_t n, const char* what) const {
    if (n > remaining()) {
      corrupt(file_, std::string("truncated while reading ") + what + " (at byte " +
                         std::to_string(pos_) + ", needs " + std::to_string(n) + " bytes, " +
                         std::to_string(remaining()) + " left)");
    }
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& file_;
};

// Smallest encoded size of one value of `type` (used to reject absurd array counts early).
uint64_t minEncodedSize(GgufValueType type) {
  switch (type) {
    case GgufValueType::UINT8:
    case GgufValueType::INT8:
    case GgufValueType::BOOL:
      return 1;
    case GgufValueType::UINT16:
    case GgufValueType::INT16:
      return 2;
    case GgufValueType::UINT32:
    case GgufValueType::INT32:
    case GgufValueType::FLOAT32:
      return 4;
    case GgufValueType::UINT64:
    case GgufValueType::INT64:
    case GgufValueType::FLOAT64:
    case GgufValueType::STRING:
      return 8;
    case GgufValueType::ARRAY:
      return 12;
  }
  return 1;
}

bool knownValueType(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::FLOAT64); }

GgufValue readValue(Reader& r, GgufValueType type, uint32_t depth) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufValueType::UINT8:
      v.number.u = r.read<uint8_t>("u8 value");
      break;
    case GgufValueType::INT8:
      v.number.i = r.read<int8_t>("i8 value");
      break;
    case GgufValueType::UINT16:
      v.number.u = r.read<uint16_t>("u16 value");
      break;
    case GgufValueType::INT16:
      v.number.i = r.read<int16_t>("i16 value");
      break;
    case GgufValueType::UINT32:
      v.number.u = r.read<uint32_t>("u32 value");
      break;
    case GgufValueType::INT32:
      v.number.i = r.read<int32_t>("i32 value");
      break;
    case GgufValueType::UINT64:
      v.number.u = r.read<uint64_t>("u64 value");
      break;
    case GgufValueType::INT64:
      v.number.i = r.read<int64_t>("i64 value");
      break;
    case GgufValueType::FLOAT32:
      v.number.f = r.read<float>("f32 value");
      break;
    case GgufValueType::FLOAT64:
      v.number.f = r.read<double>("f64 value");
      break;
    case GgufValueType::BOOL: {
      uint8_t b = r.read<uint8_t>("bool value");
      if (b > 1) r.fail("bool value " + std::to_string(b) + " is neither 0 nor 1");
      v.number.u = b;
      break;
    }
    case GgufValueType::STRING:
      v.string = r.string("string value");
      break;
    case GgufValueType::ARRAY: {
      if (depth >= kMaxArrayDepth) r.fail("arrays nested too deeply");
      uint32_t et = r.read<uint32_t>("array element type");
      if (!knownValueType(et)) r.fail("unknown array element type " + std::to_string(et));
      v.element_type = static_cast<GgufValueType>(et);
      uint64_t count = r.read<uint64_t>("array length");
      if (count > r.remaining() / minEncodedSize(v.element_type)) {
        r.fail("array of " + std::to_string(count) + " elements does not fit in the file");
      }
      v.elements.reserve(static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) {
        v.elements.push_back(readValue(r, v.element_type, depth + 1));
      }
      break;
    }
  }
  return v;
}

bool isPowerOfTwo(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace

bool GgufValue::isInteger() const {
  switch (type) {
    case GgufValueType::UINT8:
    case GgufValueType::INT8:
    case GgufValueType::UINT16:
    case GgufValueType::INT16:
    case GgufValueType::UINT32:
    case GgufValueType::INT32:
    case GgufValueType::UINT64:
    case GgufValueType::INT64:
      return true;
    default:
      return false;
  }
}

bool GgufValue::isFloat() const {
  return type == GgufValueType::FLOAT32 || type == GgufValueType::FLOAT64;
}

int64_t GgufValue::asInt() const {
  switch (type) {
    case GgufValueType::UINT8:
    case GgufValueType::UINT16:
    case GgufValueType::UINT32:
    case GgufValueType::BOOL:
      return static_cast<int64_t>(number.u);
    case GgufValueType::UINT64:
      if (number.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw Error(WHARF_ERR_DATA, "GGUF u64 value too large");
      }
      return static_cast<int64_t>(number.u);
    case GgufValueType::INT8:
    case GgufValueType::INT16:
    case GgufValueType::INT32:
    case GgufValueType::INT64:
      return number.i;
    default:
      throw Error(WHARF_ERR_DATA,
                  std::string("GGUF value of type ") + valueTypeName(type) + " is not an integer");
  }
}

double GgufValue::asFloat() const {
  if (isFloat()) return number.f;
  if (isInteger()) return static_cast<double>(asInt());
  throw Error(WHARF_ERR_DATA,
              std::string("GGUF value of type ") + valueTypeName(type) + " is not a number");
}

bool GgufValue::asBool() const {
  if (type == GgufValueType::BOOL) return number.u != 0;
  if (isInteger()) return asInt() != 0;
  throw Error(WHARF_ERR_DATA,
              std::string("GGUF value of type ") + valueTypeName(type) + " is not a bool");
}

uint64_t GgufTensorInfo::elements() const {
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  return n;
}

GgufFile GgufFile::open(const std::string& path) { return parse(MappedFile::open(path)); }

GgufFile GgufFile::parse(MappedFile file) {
  GgufFile g;
  g.file_ = std::move(file);
  const std::string& fname = g.file_.name();
  Reader r(g.file_.data(), g.file_.size(), fname);

  uint32_t magic = r.read<uint32_t>("magic");
  if (magic != kMagic) corrupt(fname, "not a GGUF file (bad magic)");
  g.version_ = r.read<uint32_t>("version");
  if (g.version_ < 2 || g.version_ > 3) {
    corrupt(fname, "unsupported GGUF version " + std::to_string(g.version_) + " (expected 3)");
  }
  uint64_t tensor_count = r.read<uint64_t>("tensor count");
  uint64_t kv_count = r.read<uint64_t>("metadata count");
  if (kv_count > r.remaining() / 12) corrupt(fname, "metadata count too large for the file");
  if (tensor_count > r.remaining() / 24) corrupt(fname, "tensor count too large for the file");

  for (uint64_t i = 0; i < kv_count; ++i) {
    std::string key(r.string("metadata key"));
    uint32_t t = r.read<uint32_t>("metadata value type");
    if (!knownValueType(t)) {
      r.fail("metadata '" + key + "' has unknown value type " + std::to_string(t));
    }
    GgufValue v = readValue(r, static_cast<GgufValueType>(t), 0);
    if (!g.metadata_.emplace(key, std::move(v)).second) {
      corrupt(fname, "duplicate metadata key '" + key + "'");
    }
  }

  if (const GgufValue* a = g.find("general.alignment")) {
    if (!a->isInteger() || !isPowerOfTwo(static_cast<uint64_t>(a->asInt()))) {
      corrupt(fname, "general.alignment must be a power of two");
    }
    g.alignment_ = static_cast<uint64_t>(a->asInt());
  }

  g.tensors_.reserve(static_cast<size_t>(tensor_count));
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo t;
    t.name = std::string(r.string("tensor name"));
    uint32_t nd = r.read<uint32_t>("tensor dimension count");
    if (nd == 0 || nd > kMaxDims) {
      r.fail("tensor '" + t.name + "' has " + std::to_string(nd) + " dimensions");
    }
    uint64_t elements = 1;
    for (uint32_t d = 0; d < nd; ++d) {
      uint64_t dim = r.read<uint64_t>("tensor dimension");
      if (dim == 0 || elements > std::numeric_limits<uint64_t>::max() / dim ||
          dim > (uint64_t{1} << 40)) {
        r.fail("tensor '" + t.name + "' has an invalid shape");
      }
      elements *= dim;
      t.dims.push_back(dim);
    }
    uint32_t type = r.read<uint32_t>("tensor type");
    if (!isSupported(type)) {
      throw Error(WHARF_ERR_UNSUPPORTED, "GGUF file '" + fname + "': tensor '" + t.name +
                                             "' has unsupported type " + typeName(type) +
                                             " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1)");
    }
    t.type = static_cast<GgmlType>(type);
    t.offset = r.read<uint64_t>("tensor offset");
    const GgmlTypeInfo& info = typeInfo(t.type);
    if (t.dims[0] % info.block_elements != 0) {
      r.fail("tensor '" + t.name + "' row length " + std::to_string(t.dims[0]) +
             " is not a multiple of the " + info.name + " block size");
    }
    t.bytes = elements / info.block_elements * info.block_bytes;
    if (t.offset % g.alignment_ != 0) r.fail("tensor '" + t.name + "' data is not aligned");
    if (!g.tensor_index_.emplace(t.name, g.tensors_.size()).second) {
      corrupt(fname, "duplicate tensor '" + t.name + "'");
    }
    g.tensors_.push_back(std::move(t));
  }

  uint64_t pos = r.position();
  g.data_offset_ = (pos + g.alignment_ - 1) / g.alignment_ * g.alignment_;
  uint64_t size = g.file_.size();
  if (tensor_count > 0 && g.data_offset_ > size) corrupt(fname, "truncated before tensor data");
  for (GgufTensorInfo& t : g.tensors_) {
    uint64_t available = size - g.data_offset_;
    if (t.offset > available || t.bytes > available - t.offset) {
      corrupt(fname, "tensor '" + t.name + "' data runs past the end of the file (truncated?)");
    }
    t.data = g.file_.data() + g.data_offset_ + t.offset;
  }
  return g;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

namespace {
[[noreturn]] void wrongType(const std::string& file, std::string_view key, const char* wanted,
                            GgufValueType got) {
  corrupt(file, "metadata '" + std::string(key) + "' should be " + wanted + " but is " +
                    valueTypeName(got));
}
}  // namespace

std::optional<int64_t> GgufFile::intValue(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->isInteger()) wrongType(name(), key, "an integer", v->type);
  return v->asInt();
}

std::optional<double> GgufFile::floatValue(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->isInteger() && !v->isFloat()) wrongType(name(), key, "a number", v->type);
  return v->asFloat();
}

std::optional<bool> GgufFile::boolValue(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::BOOL && !v->isInteger()) wrongType(name(), key, "a bool", v->type);
  return v->asBool();
}

std::optional<std::string> GgufFile::stringValue(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::STRING) wrongType(name(), key, "a string", v->type);
  return std::string(v->string);
}

int64_t GgufFile::requireInt(std::string_view key) const {
  auto v = intValue(key);
  if (!v) corrupt(name(), "missing metadata '" + std::string(key) + "'");
  return *v;
}

std::string GgufFile::requireString(std::string_view key) const {
  auto v = stringValue(key);
  if (!v) corrupt(name(), "missing metadata '" + std::string(key) + "'");
  return *v;
}

std::vector<std::string_view> GgufFile::stringArray(std::string_view key) const {
  std::vector<std::string_view> out;
  const GgufValue* v = find(key);
  if (!v) return out;
  if (v->type != GgufValueType::ARRAY || v->element_type != GgufValueType::STRING) {
    wrongType(name(), key, "an array of strings", v->type);
  }
  out.reserve(v->elements.size());
  for (const GgufValue& e : v->elements) out.push_back(e.string);
  return out;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view tensor) const {
  auto it = tensor_index_.find(tensor);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensorInfo& GgufFile::requireTensor(std::string_view tensor) const {
  const GgufTensorInfo* t = findTensor(tensor);
  if (!t) corrupt(name(), "missing tensor '" + std::string(tensor) + "'");
  return *t;
}

const char* valueTypeName(GgufValueType type) {
  switch (type) {
    case GgufValueType::UINT8:
      return "u8";
    case GgufValueType::INT8:
      return "i8";
    case GgufValueType::UINT16:
      return "u16";
    case GgufValueType::INT16:
      return "i16";
    case GgufValueType::UINT32:
      return "u32";
    case GgufValueType::INT32:
      return "i32";
    case GgufValueType::FLOAT32:
      return "f32";
    case GgufValueType::BOOL:
      return "bool";
    case GgufValueType::STRING:
      return "string";
    case GgufValueType::ARRAY:
      return "array";
    case GgufValueType::UINT64:
      return "u64";
    case GgufValueType::INT64:
      return "i64";
    case GgufValueType::FLOAT64:
      return "f64";
  }
  return "unknown";
}

}  // namespace wharf::engine

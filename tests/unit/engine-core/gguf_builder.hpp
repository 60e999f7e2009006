// Writes small synthetic GGUF v3 files in memory for tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace wharf::engine::test {

class GgufBuilder {
 public:
  explicit GgufBuilder(uint32_t alignment = 32) : alignment_(alignment) {}

  template <class T>
  void kv(const std::string& key, uint32_t type, T value) {
    key_(key);
    put<uint32_t>(meta_, type);
    put<T>(meta_, value);
    ++kv_count_;
  }
  void kvString(const std::string& key, const std::string& value) {
    key_(key);
    put<uint32_t>(meta_, 8);
    str(meta_, value);
    ++kv_count_;
  }
  void kvStrings(const std::string& key, const std::vector<std::string>& values) {
    key_(key);
    put<uint32_t>(meta_, 9);
    put<uint32_t>(meta_, 8);
    put<uint64_t>(meta_, values.size());
    for (const auto& v : values) str(meta_, v);
    ++kv_count_;
  }
  template <class T>
  void kvArray(const std::string& key, uint32_t elem_type, const std::vector<T>& values) {
    key_(key);
    put<uint32_t>(meta_, 9);
    put<uint32_t>(meta_, elem_type);
    put<uint64_t>(meta_, values.size());
    for (const T& v : values) put<T>(meta_, v);
    ++kv_count_;
  }
  // Appends raw metadata bytes (for malformed cases); counts as one key/value.
  void kvRaw(const std::vector<uint8_t>& bytes) {
    meta_.insert(meta_.end(), bytes.begin(), bytes.end());
    ++kv_count_;
  }

  void tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type,
              const std::vector<uint8_t>& data) {
    str(infos_, name);
    put<uint32_t>(infos_, static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) put<uint64_t>(infos_, d);
    put<uint32_t>(infos_, type);
    while (data_.size() % alignment_) data_.push_back(0);
    put<uint64_t>(infos_, data_.size());
    data_.insert(data_.end(), data.begin(), data.end());
    ++tensor_count_;
  }

  std::vector<uint8_t> build(uint32_t version = 3) const {
    std::vector<uint8_t> out;
    put<uint32_t>(out, 0x46554747);
    put<uint32_t>(out, version);
    put<uint64_t>(out, tensor_count_);
    put<uint64_t>(out, kv_count_);
    out.insert(out.end(), meta_.begin(), meta_.end());
    out.insert(out.end(), infos_.begin(), infos_.end());
    while (out.size() % alignment_) out.push_back(0);
    out.insert(out.end(), data_.begin(), data_.end());
    return out;
  }

  template <class T>
  static void put(std::vector<uint8_t>& out, T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
  }
  static void str(std::vector<uint8_t>& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
  }

 private:
  void key_(const std::string& k) { str(meta_, k); }

  uint32_t alignment_;
  uint64_t kv_count_ = 0;
  uint64_t tensor_count_ = 0;
  std::vector<uint8_t> meta_, infos_, data_;
};

}  // namespace wharf::engine::test

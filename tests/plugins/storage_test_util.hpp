// Small helpers shared by the storage plugin tests.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "wharf/cpp/storage.hpp"

namespace wharf::test {

// The status `fn` ends with: WHARF_OK, or the code of the wharf::Error it throws.
template <class Fn>
wharf_status statusOf(Fn&& fn) {
  try {
    fn();
    return WHARF_OK;
  } catch (const Error& e) {
    return e.code();
  }
}

// Entries of a listing as sorted "name" / "name/" strings.
inline std::vector<std::string> names(const std::vector<StorageEntry>& entries) {
  std::vector<std::string> out;
  for (auto& e : entries) out.push_back(e.is_dir ? e.name + "/" : e.name);
  std::sort(out.begin(), out.end());
  return out;
}

// `size` deterministic pseudo-random bytes depending on `seed` and the absolute offset.
inline std::string pattern(uint64_t seed, uint64_t offset, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull + seed;
    x ^= x >> 29;
    out[i] = static_cast<char>(x * 0xBF58476D1CE4E5B9ull >> 56);
  }
  return out;
}

// A range read collected into a string.
inline std::string readRange(const StorageClient& s, const std::string& path, uint64_t offset,
                             uint64_t length) {
  std::string out;
  s.read(path, offset, length, [&](const void* d, size_t n) {
    out.append(static_cast<const char*>(d), n);
    return true;
  });
  return out;
}

}  // namespace wharf::test

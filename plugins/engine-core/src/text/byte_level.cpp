#include "engine/text/byte_level.hpp"

#include <array>
#include <cstddef>

namespace wharf::engine {

namespace {

constexpr uint32_t kMappedLimit = 256 + 68;

// Printable Latin-1 bytes map to themselves; the other 68 bytes map to 256, 257, ... in order.
constexpr bool selfMapped(int b) {
  return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
}

struct Tables {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, kMappedLimit> to_byte{};
  Tables() {
    to_byte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      uint32_t cp = selfMapped(b) ? static_cast<uint32_t>(b) : next++;
      to_cp[static_cast<size_t>(b)] = cp;
      to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

uint32_t byteToCodepoint(uint8_t b) { return tables().to_cp[b]; }

int byteFromCodepoint(uint32_t cp) { return cp < kMappedLimit ? tables().to_byte[cp] : -1; }

}  // namespace wharf::engine

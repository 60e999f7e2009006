#include "cidr.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace wharf::auth {

namespace {

// Parses an address into 16 bytes (IPv4 in the first 4); false when malformed.
bool parseAddress(const std::string& text, bool& v6, std::array<uint8_t, 16>& out) {
  out.fill(0);
  if (::inet_pton(AF_INET, text.c_str(), out.data()) == 1) {
    v6 = false;
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), out.data()) == 1) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), kMapped, 12) == 0) {  // ::ffff:a.b.c.d is IPv4
      std::memmove(out.data(), out.data() + 12, 4);
      std::memset(out.data() + 4, 0, 12);
      v6 = false;
    } else {
      v6 = true;
    }
    return true;
  }
  return false;
}

bool samePrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8, rest = bits % 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[static_cast<size_t>(full)] & mask) == (b[static_cast<size_t>(full)] & mask);
}

}  // namespace

std::optional<Cidr> Cidr::parse(const std::string& text) {
  Cidr c;
  std::string addr = text;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    prefix = std::stoi(p);
  }
  if (!parseAddress(addr, c.v6_, c.net_)) return std::nullopt;
  int max = c.v6_ ? 128 : 32;
  if (prefix > max) return std::nullopt;
  c.prefix_ = prefix < 0 ? max : prefix;
  return c;
}

bool Cidr::contains(const std::string& address) const {
  bool v6 = false;
  std::array<uint8_t, 16> a{};
  if (!parseAddress(address, v6, a) || v6 != v6_) return false;
  return samePrefix(a, net_, prefix_);
}

}  // namespace wharf::auth

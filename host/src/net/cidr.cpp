#include "net/cidr.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

#include "config/value_parsers.hpp"

namespace wharf::host {

namespace {

// Parses an IPv4 or IPv6 literal into 16 bytes (IPv4 uses the first 4). Returns false if invalid.
bool parse_address(const std::string& text, std::array<uint8_t, 16>& out, bool& v6) {
  out.fill(0);
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) {
    std::memcpy(out.data(), &a4, 4);
    v6 = false;
    return true;
  }
  in6_addr a6{};
  std::string t = text;
  if (size_t pct = t.find('%'); pct != std::string::npos) t.resize(pct);  // zone id
  if (inet_pton(AF_INET6, t.c_str(), &a6) == 1) {
    std::memcpy(out.data(), &a6, 16);
    v6 = true;
    // IPv4-mapped: treat as IPv4.
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), mapped, 12) == 0) {
      std::memmove(out.data(), out.data() + 12, 4);
      std::memset(out.data() + 4, 0, 12);
      v6 = false;
    }
    return true;
  }
  return false;
}

}  // namespace

CidrBlock CidrBlock::parse(std::string_view raw) {
  std::string text = trim(raw);
  std::string addr = text;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    try {
      prefix = static_cast<int>(parse_int(text.substr(slash + 1)));
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("invalid prefix length in '" + text + "'");
    }
  }
  CidrBlock b;
  if (!parse_address(addr, b.bytes_, b.v6_))
    throw std::invalid_argument("invalid IP address in '" + text + "'");
  int max = b.v6_ ? 128 : 32;
  if (prefix < 0) prefix = max;
  if (prefix > max) throw std::invalid_argument("prefix length out of range in '" + text + "'");
  b.prefix_ = prefix;
  // Normalise host bits to zero.
  for (int i = 0; i < 16; ++i) {
    int bits = prefix - i * 8;
    if (bits >= 8) continue;
    b.bytes_[i] = bits <= 0 ? 0 : static_cast<uint8_t>(b.bytes_[i] & (0xff << (8 - bits)));
  }
  return b;
}

bool CidrBlock::contains(std::string_view address) const {
  std::array<uint8_t, 16> a{};
  bool v6 = false;
  if (!parse_address(std::string(address), a, v6) || v6 != v6_) return false;
  int full = prefix_ / 8, rest = prefix_ % 8;
  if (std::memcmp(a.data(), bytes_.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == bytes_[full];
}

std::string CidrBlock::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix_);
}

CidrList CidrList::parse(std::string_view text) {
  CidrList list;
  for (auto& item : split_list(text)) list.blocks_.push_back(CidrBlock::parse(item));
  return list;
}

bool CidrList::allows(std::string_view address) const {
  if (blocks_.empty()) return true;
  for (auto& b : blocks_)
    if (b.contains(address)) return true;
  return false;
}

}  // namespace wharf::host

// IP allow-lists for the host and for plugins: CIDR blocks (IPv4 and IPv6) and matching of client
// addresses against them. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4; an IPv6 zone id
// ("fe80::1%eth0") is ignored. Header-only.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wharf {

class CidrBlock {
 public:
  // "10.0.0.0/8", "127.0.0.1" (= /32), "::1", "fd00::/8"; host bits are cleared
  // ("172.16.5.4/12" is 172.16.0.0/12). Throws std::invalid_argument naming the text.
  static CidrBlock parse(std::string_view raw) {
    std::string text = trim(raw);
    std::string addr = text;
    int prefix = -1;
    if (size_t slash = text.find('/'); slash != std::string::npos) {
      addr = text.substr(0, slash);
      std::string digits = text.substr(slash + 1);
      if (digits.empty() || digits.size() > 3 ||
          digits.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("invalid prefix length in '" + text + "'");
      prefix = std::stoi(digits);
    }
    CidrBlock b;
    if (!parseAddress(addr, b.bytes_, b.v6_))
      throw std::invalid_argument("invalid IP address in '" + text + "'");
    const int max = b.v6_ ? 128 : 32;
    if (prefix < 0) prefix = max;
    if (prefix > max) throw std::invalid_argument("prefix length out of range in '" + text + "'");
    b.prefix_ = prefix;
    for (int i = 0; i < 16; ++i) {
      int bits = prefix - i * 8;
      if (bits >= 8) continue;
      b.bytes_[i] = bits <= 0 ? 0 : static_cast<uint8_t>(b.bytes_[i] & (0xff << (8 - bits)));
    }
    return b;
  }

  // False for anything that is not an address of this block's family inside it.
  bool contains(std::string_view address) const {
    std::array<uint8_t, 16> a{};
    bool v6 = false;
    if (!parseAddress(std::string(address), a, v6) || v6 != v6_) return false;
    const int full = prefix_ / 8, rest = prefix_ % 8;
    if (std::memcmp(a.data(), bytes_.data(), static_cast<size_t>(full)) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a[static_cast<size_t>(full)] & mask) == bytes_[static_cast<size_t>(full)];
  }

  std::string str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix_);
  }

  static std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
  }

 private:
  // An IPv4 or IPv6 literal as 16 bytes (IPv4 in the first 4); false when it is none.
  static bool parseAddress(std::string text, std::array<uint8_t, 16>& out, bool& v6) {
    out.fill(0);
    if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) {
      v6 = false;
      return true;
    }
    if (size_t pct = text.find('%'); pct != std::string::npos) text.resize(pct);  // zone id
    if (inet_pton(AF_INET6, text.c_str(), out.data()) != 1) return false;
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    v6 = std::memcmp(out.data(), kMapped, sizeof kMapped) != 0;
    if (!v6) {
      std::memmove(out.data(), out.data() + 12, 4);
      std::memset(out.data() + 4, 0, 12);
    }
    return true;
  }

  std::array<uint8_t, 16> bytes_{};
  bool v6_ = false;
  int prefix_ = 0;
};

class CidrList {
 public:
  CidrList() = default;
  // "10.0.0.0/8, ::1"; throws std::invalid_argument for the first bad block.
  static CidrList parse(std::string_view comma_separated) {
    CidrList list;
    size_t pos = 0;
    while (pos <= comma_separated.size()) {
      size_t next = comma_separated.find(',', pos);
      if (next == std::string_view::npos) next = comma_separated.size();
      std::string item = CidrBlock::trim(comma_separated.substr(pos, next - pos));
      if (!item.empty()) list.blocks_.push_back(CidrBlock::parse(item));
      pos = next + 1;
    }
    return list;
  }
  void add(CidrBlock block) { blocks_.push_back(block); }
  bool empty() const { return blocks_.empty(); }
  // An empty list allows everyone.
  bool allows(std::string_view address) const {
    if (blocks_.empty()) return true;
    for (auto& b : blocks_)
      if (b.contains(address)) return true;
    return false;
  }
  const std::vector<CidrBlock>& blocks() const { return blocks_; }

 private:
  std::vector<CidrBlock> blocks_;
};

}  // namespace wharf

// IP allow-lists: CIDR blocks (IPv4 and IPv6) and matching of client addresses against them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::host {

class CidrBlock {
 public:
  // "10.0.0.0/8", "127.0.0.1" (= /32), "::1", "fd00::/8". Throws std::invalid_argument.
  static CidrBlock parse(std::string_view text);
  // IPv4-mapped IPv6 clients (::ffff:a.b.c.d) match IPv4 blocks.
  bool contains(std::string_view address) const;
  std::string str() const;

 private:
  std::array<uint8_t, 16> bytes_{};
  bool v6_ = false;
  int prefix_ = 0;
};

class CidrList {
 public:
  CidrList() = default;
  static CidrList parse(std::string_view comma_separated);
  bool empty() const { return blocks_.empty(); }
  // An empty list allows everyone.
  bool allows(std::string_view address) const;
  const std::vector<CidrBlock>& blocks() const { return blocks_; }

 private:
  std::vector<CidrBlock> blocks_;
};

}  // namespace wharf::host

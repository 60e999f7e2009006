// IPv4 and IPv6 networks in CIDR notation ("10.0.0.0/8", "::1/128", "192.168.1.7").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace wharf::auth {

class Cidr {
 public:
  // nullopt when malformed.
  static std::optional<Cidr> parse(const std::string& text);
  // True when `address` (IPv4 dotted, IPv6, or IPv4-mapped IPv6) lies in the network.
  bool contains(const std::string& address) const;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> net_{};
  int prefix_ = 0;
};

}  // namespace wharf::auth

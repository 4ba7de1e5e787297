// CidrSet: a list of IPv4/IPv6 networks ("10.0.0.0/8, 2001:db8::/32, 192.168.1.7") as the
// *-source-range and limit-whitelist annotations write them, and the membership test the data
// plane runs per request (no allocation, no lock).
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::annotations {

class CidrSet {
 public:
  // Comma-separated networks; a bare address is a /32 (/128). Spaces around items are ignored;
  // an empty item, a bad address, a prefix out of range or host bits set past the prefix
  // ("10.0.0.1/8", which nginx would silently widen) is kInvalid naming the item.
  static Result<CidrSet> Parse(std::string_view list);

  // An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is matched as IPv4.
  bool Contains(const sockaddr* address) const;
  // Text form of an address, as a client's peer address is kept ("10.1.2.3", "fd00::1").
  bool ContainsText(std::string_view address) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }
  size_t size() const { return v4_.size() + v6_.size(); }

 private:
  struct V4 {
    uint32_t network = 0;  // host order
    uint32_t mask = 0;
  };
  struct V6 {
    std::array<uint8_t, 16> network{};
    uint8_t prefix = 0;
  };
  bool ContainsV4(uint32_t address) const;
  bool ContainsV6(const uint8_t* address) const;
  std::vector<V4> v4_;
  std::vector<V6> v6_;
};

}  // namespace waygate::annotations

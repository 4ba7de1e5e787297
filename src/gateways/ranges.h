// Port ranges (`--nodeport-range`) and load-balancer address pools (`--lb-pool`): parsed once
// from flags, then asked "is this inside?" and "which is the first one nobody holds?".
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::gateways {

// An inclusive range of TCP ports, kube-apiserver's --service-node-port-range.
struct PortRange {
  int32_t first = 30000;
  int32_t last = 32767;

  bool Contains(int32_t port) const { return port >= first && port <= last; }
  int32_t size() const { return last - first + 1; }
  std::string ToString() const;  // "30000-32767"
};

// "30000-32767" or a single port "30080"; both ends 1-65535, first <= last.
Result<PortRange> ParsePortRange(std::string_view text);

// An IPv4 or IPv6 address as a number, so pools can count, compare and step through addresses.
// IPv4 lives in the low 32 bits; an IPv4 and an IPv6 address never compare equal.
class IpAddress {
 public:
  using Bits = unsigned __int128;

  // IPv4 dotted decimal (leading zeros read as decimal, as model::IsIPv4 accepts them) or IPv6
  // (no zone). nullopt for anything else.
  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t bits) { return IpAddress(false, bits); }
  static IpAddress V6(Bits bits) { return IpAddress(true, bits); }

  bool is_v6() const { return v6_; }
  Bits bits() const { return bits_; }
  std::string ToString() const;  // canonical: "10.0.0.1", "2001:db8::1"

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.v6_ == b.v6_ && a.bits_ == b.bits_;
  }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    return a.v6_ != b.v6_ ? b.v6_ : a.bits_ < b.bits_;
  }

 private:
  IpAddress(bool v6, Bits bits) : v6_(v6), bits_(bits) {}
  bool v6_ = false;
  Bits bits_ = 0;
};

// The addresses a bare-metal load balancer may hand out, like a MetalLB IPAddressPool.
// Entries are ranges "127.0.0.100-127.0.0.150" or CIDRs "10.0.0.0/28", "fd00::/120". An IPv4
// CIDR shorter than /31 leaves out its network and broadcast addresses (RFC 3021: /31 and /32
// have none); see README.md for how this differs from MetalLB. Entries may not overlap.
class AddressPool {
 public:
  struct Range {
    IpAddress first;
    IpAddress last;
    std::string source;  // the entry as written, for messages
  };

  AddressPool() = default;  // empty: LoadBalancer gateways stay Pending

  bool empty() const { return ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  bool Contains(const IpAddress& address) const;
  bool Contains(std::string_view address) const;  // false when not an address
  // The first address, in entry order then ascending, that is not in `used`.
  std::optional<IpAddress> FirstFree(const std::set<IpAddress>& used) const;
  std::string ToString() const;  // the entries as given, comma-separated

 private:
  friend Result<AddressPool> ParseAddressPool(const std::vector<std::string>& entries);
  std::vector<Range> ranges_;
};

// Each string holds one entry or several separated by commas (so a repeated flag and a
// comma-separated one both work). Errors name the bad entry.
Result<AddressPool> ParseAddressPool(const std::vector<std::string>& entries);

}  // namespace waygate::gateways

#include "gateways/ranges.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "model/field_path.h"

namespace waygate::gateways {
namespace {

using model::Quote;

std::optional<int32_t> ParsePort(std::string_view text) {
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint32_t> ParseV4(std::string_view text) {
  if (std::count(text.begin(), text.end(), '.') != 3) return std::nullopt;
  uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    if (part.empty() || part.size() > 3) return std::nullopt;
    unsigned value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) return std::nullopt;
    bits = (bits << 8) | value;
    if (dot != std::string_view::npos) text.remove_prefix(dot + 1);
  }
  return bits;
}

Error PoolError(std::string_view entry, std::string_view why) {
  return MakeError(ErrorCode::kInvalid,
                   "invalid load balancer pool entry " + Quote(entry) + ": " + std::string(why));
}

Result<AddressPool::Range> ParseEntry(std::string_view entry) {
  AddressPool::Range range{IpAddress::V4(0), IpAddress::V4(0), std::string(entry)};
  if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
    std::optional<IpAddress> base = IpAddress::Parse(entry.substr(0, slash));
    if (!base) return PoolError(entry, "not an IP address before '/'");
    const int width = base->is_v6() ? 128 : 32;
    std::optional<int32_t> prefix = ParsePort(entry.substr(slash + 1));
    if (!prefix || *prefix < 0 || *prefix > width) {
      return PoolError(entry, "the prefix length must be 0-" + std::to_string(width));
    }
    const int host_bits = width - *prefix;
    // Host bits set in the base ("10.0.0.5/28") are cleared, as Go's net.ParseCIDR does.
    IpAddress::Bits host_mask =
        host_bits == 128 ? ~IpAddress::Bits(0) : (IpAddress::Bits(1) << host_bits) - 1;
    IpAddress::Bits network = base->bits() & ~host_mask;
    if (!base->is_v6()) network &= 0xffffffffu;
    IpAddress::Bits last = network | host_mask;
    if (!base->is_v6() && *prefix < 31) {
      ++network;  // the network address
      --last;     // the broadcast address
    }
    range.first = base->is_v6() ? IpAddress::V6(network) : IpAddress::V4(uint32_t(network));
    range.last = base->is_v6() ? IpAddress::V6(last) : IpAddress::V4(uint32_t(last));
    return range;
  }
  size_t dash = entry.find('-');
  if (dash == std::string_view::npos) {
    // A single address is a one-address range, as in MetalLB ("192.0.2.7/32" also works).
    std::optional<IpAddress> one = IpAddress::Parse(entry);
    if (!one) return PoolError(entry, "want a range A-B or a CIDR A/N");
    range.first = range.last = *one;
    return range;
  }
  std::optional<IpAddress> first = IpAddress::Parse(Trim(entry.substr(0, dash)));
  std::optional<IpAddress> last = IpAddress::Parse(Trim(entry.substr(dash + 1)));
  if (!first || !last) return PoolError(entry, "both ends of a range must be IP addresses");
  if (first->is_v6() != last->is_v6()) {
    return PoolError(entry, "a range may not mix IPv4 and IPv6");
  }
  if (*last < *first) return PoolError(entry, "the first address is after the last");
  range.first = *first;
  range.last = *last;
  return range;
}

}  // namespace

std::string PortRange::ToString() const {
  return std::to_string(first) + "-" + std::to_string(last);
}

Result<PortRange> ParsePortRange(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalid,
                     "invalid port range " + Quote(text) + ": " + std::string(why));
  };
  std::string_view trimmed = Trim(text);
  size_t dash = trimmed.find('-');
  std::optional<int32_t> first = ParsePort(Trim(trimmed.substr(0, dash)));
  std::optional<int32_t> last =
      dash == std::string_view::npos ? first : ParsePort(Trim(trimmed.substr(dash + 1)));
  if (!first || !last) return bad("want FIRST-LAST or a single port, e.g. 30000-32767");
  if (*first < 1 || *first > 65535 || *last < 1 || *last > 65535) {
    return bad("ports must be between 1 and 65535, inclusive");
  }
  if (*first > *last) return bad("the first port is greater than the last");
  return PortRange{*first, *last};
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    std::optional<uint32_t> v4 = ParseV4(text);
    if (!v4) return std::nullopt;
    return V4(*v4);
  }
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char raw[16];
  if (inet_pton(AF_INET6, buf, raw) != 1) return std::nullopt;
  Bits bits = 0;
  for (unsigned char b : raw) bits = (bits << 8) | b;
  return V6(bits);
}

std::string IpAddress::ToString() const {
  if (!v6_) {
    uint32_t v = static_cast<uint32_t>(bits_);
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." +
           std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
  }
  unsigned char raw[16];
  Bits b = bits_;
  for (int i = 15; i >= 0; --i) {
    raw[i] = static_cast<unsigned char>(b & 0xff);
    b >>= 8;
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, raw, buf, sizeof buf);
  return buf;
}

bool AddressPool::Contains(const IpAddress& address) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const Range& r) { return !(address < r.first) && !(r.last < address); });
}

bool AddressPool::Contains(std::string_view address) const {
  std::optional<IpAddress> parsed = IpAddress::Parse(address);
  return parsed && Contains(*parsed);
}

std::optional<IpAddress> AddressPool::FirstFree(const std::set<IpAddress>& used) const {
  for (const Range& r : ranges_) {
    // Each step past `candidate` skips a used address, so this ends within |used| + 1 steps
    // even in a /64.
    IpAddress candidate = r.first;
    auto it = used.lower_bound(candidate);
    while (it != used.end() && *it == candidate) {
      if (candidate == r.last) break;
      candidate = candidate.is_v6() ? IpAddress::V6(candidate.bits() + 1)
                                    : IpAddress::V4(uint32_t(candidate.bits() + 1));
      ++it;
    }
    if (it == used.end() || !(*it == candidate)) return candidate;
  }
  return std::nullopt;
}

std::string AddressPool::ToString() const {
  std::string out;
  for (const Range& r : ranges_) {
    if (!out.empty()) out += ",";
    out += r.source;
  }
  return out;
}

Result<AddressPool> ParseAddressPool(const std::vector<std::string>& entries) {
  AddressPool pool;
  for (const std::string& flag : entries) {
    std::string_view rest = flag;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view entry = Trim(rest.substr(0, comma));
      if (entry.empty()) return PoolError(flag, "empty entry");
      Result<AddressPool::Range> range = ParseEntry(entry);
      if (!range.ok()) return range.error();
      pool.ranges_.push_back(std::move(range).value());
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  std::vector<const AddressPool::Range*> sorted;
  for (const AddressPool::Range& r : pool.ranges_) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    const AddressPool::Range& prev = *sorted[i - 1];
    const AddressPool::Range& cur = *sorted[i];
    if (prev.first.is_v6() == cur.first.is_v6() && !(prev.last < cur.first)) {
      return PoolError(cur.source, "overlaps " + Quote(prev.source));
    }
  }
  return pool;
}

}  // namespace waygate::gateways

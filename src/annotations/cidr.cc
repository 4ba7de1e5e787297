#include "annotations/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace waygate::annotations {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error BadItem(std::string_view item, std::string_view why) {
  std::string message = "invalid CIDR \"";
  message.append(item);
  message.append("\": ");
  message.append(why);
  return MakeError(ErrorCode::kInvalid, std::move(message));
}

// Parses "0".."128" (no sign, no leading '+', at most 3 digits).
bool ParsePrefix(std::string_view text, int max, int& out) {
  if (text.empty() || text.size() > 3) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

}  // namespace

Result<CidrSet> CidrSet::Parse(std::string_view list) {
  CidrSet set;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = Trim(list.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) return BadItem(item, "empty entry in the list");
    size_t slash = item.find('/');
    std::string address(item.substr(0, slash));
    std::string_view prefix_text = slash == std::string_view::npos ? "" : item.substr(slash + 1);
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
      int prefix = 32;
      if (slash != std::string_view::npos && !ParsePrefix(prefix_text, 32, prefix)) {
        return BadItem(item, "prefix length must be 0 to 32");
      }
      V4 net;
      net.mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
      uint32_t host = ntohl(v4.s_addr);
      if ((host & ~net.mask) != 0) {
        return BadItem(item, "address has bits set past the prefix length");
      }
      net.network = host;
      set.v4_.push_back(net);
    } else if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
      int prefix = 128;
      if (slash != std::string_view::npos && !ParsePrefix(prefix_text, 128, prefix)) {
        return BadItem(item, "prefix length must be 0 to 128");
      }
      V6 net;
      std::memcpy(net.network.data(), v6.s6_addr, 16);
      net.prefix = static_cast<uint8_t>(prefix);
      for (int bit = prefix; bit < 128; ++bit) {
        if (net.network[bit / 8] & (0x80 >> (bit % 8))) {
          return BadItem(item, "address has bits set past the prefix length");
        }
      }
      set.v6_.push_back(net);
    } else {
      return BadItem(item, "not an IPv4 or IPv6 address");
    }
    if (comma == list.size()) break;
  }
  return set;
}

bool CidrSet::ContainsV4(uint32_t address) const {
  for (const V4& net : v4_) {
    if ((address & net.mask) == net.network) return true;
  }
  return false;
}

bool CidrSet::ContainsV6(const uint8_t* address) const {
  for (const V6& net : v6_) {
    int full = net.prefix / 8;
    if (std::memcmp(address, net.network.data(), static_cast<size_t>(full)) != 0) continue;
    int rest = net.prefix % 8;
    if (rest != 0) {
      uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((address[full] & mask) != net.network[full]) continue;
    }
    return true;
  }
  return false;
}

bool CidrSet::Contains(const sockaddr* address) const {
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return ContainsV4(ntohl(in->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      uint32_t v4;
      std::memcpy(&v4, in6->sin6_addr.s6_addr + 12, 4);
      return ContainsV4(ntohl(v4));
    }
    return ContainsV6(in6->sin6_addr.s6_addr);
  }
  return false;
}

bool CidrSet::ContainsText(std::string_view address) const {
  char text[INET6_ADDRSTRLEN];
  if (address.size() >= sizeof(text)) return false;
  std::memcpy(text, address.data(), address.size());
  text[address.size()] = 0;
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
  } else {
    return false;
  }
  return Contains(reinterpret_cast<const sockaddr*>(&storage));
}

}  // namespace waygate::annotations

// Zone: the immutable set of names the DNS server answers for. Built once from plain data
// (route hosts with their gateway's addresses, nip-style suffixes, a TTL), then shared as
// std::shared_ptr<const Zone> between the control thread that builds it and the server thread
// that reads it. Knows nothing of Ingresses or Gateways: the caller flattens those into hosts.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace waygate::dns {

using Ipv4 = std::array<uint8_t, 4>;
using Ipv6 = std::array<uint8_t, 16>;

// The addresses one name resolves to. Both lists may be empty (a route whose gateway has no
// address yet): the name still exists, so A/AAAA queries get NODATA rather than NXDOMAIN.
struct HostRecords {
  std::vector<Ipv4> v4;
  std::vector<Ipv6> v6;
};

struct HostEntry {
  // "demo.kubesphere.io" or "*.example.com" (the wildcard covers exactly one label, as an
  // Ingress wildcard host does). Case and one trailing dot are ignored.
  std::string host;
  // Literal addresses: "10.0.0.1", "2001:db8::1". Entries naming the same host are merged.
  std::vector<std::string> addresses;
};

struct ZoneSpec {
  std::vector<HostEntry> hosts;
  // Names under these answer with the address spelled in the name (app.10.0.0.1.nip.io).
  std::vector<std::string> nip_suffixes = {"nip.io", "sslip.io"};
  uint32_t ttl = 60;    // answers and negative caching (SOA minimum)
  uint32_t serial = 1;  // SOA serial; callers may bump it on every rebuild
};

class Zone {
 public:
  // Errors (kInvalid, with a field path such as "hosts[2].addresses[0]") for a host that is not
  // a DNS name, a wildcard not of the form "*.rest", an address that is not a literal IP, or a
  // nip suffix that is not a DNS name.
  static Result<std::shared_ptr<const Zone>> Create(const ZoneSpec& spec);

  // Names are lowercase, without a trailing dot.
  const HostRecords* FindExact(std::string_view name) const;
  const HostRecords* FindWildcard(std::string_view base) const;  // base of "*.base"
  bool IsNipSuffix(std::string_view name) const;
  const std::vector<std::string>& nip_suffixes() const { return nip_suffixes_; }

  uint32_t ttl() const { return ttl_; }
  uint32_t serial() const { return serial_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, HostRecords, Hash, std::equal_to<>>;

  Zone() = default;

  Map exact_;
  Map wildcard_;  // keyed by the part after "*."
  std::vector<std::string> nip_suffixes_;
  uint32_t ttl_ = 60;
  uint32_t serial_ = 1;
};

// Lowercases ASCII letters and drops one trailing dot. Returns false if the result is not a
// DNS name: empty, an empty label, a label over 63 octets, or over 253 octets in all.
bool NormalizeName(std::string_view in, std::string* out);

}  // namespace waygate::dns

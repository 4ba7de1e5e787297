// The address spelled inside a nip.io/sslip.io-style name, from the part before the suffix.
#pragma once

#include <string_view>
#include <variant>

#include "dns/zone.h"

namespace waygate::dns {

using NipAddress = std::variant<std::monostate, Ipv4, Ipv6>;

// `prefix` is the lowercase name without ".suffix" ("customer1.app.10.0.0.1" for
// customer1.app.10.0.0.1.nip.io). Forms, tried in this order:
//   1. IPv4, decimal: the last four tokens, split at '.' or '-', are octets (0..255, no leading
//      zeros): "10.0.0.1", "app.10.0.0.1", "app-10-0-0-1", "app.10-0-0-1".
//   2. IPv6, sslip.io style: the last label with '-' for ':' is an IPv6 address:
//      "--1" (::1), "2a01-4f8-c17-b8f--2", "www.2a01-4f8-c17-b8f--2".
//   3. IPv4, hex (nip.io): the last '-' token of the last label is 8 hex digits:
//      "app-0a000001", "c0a80101".
// The rightmost match wins, as on nip.io: "1.2.3.4.10.0.0.1" is 10.0.0.1.
NipAddress ParseNipAddress(std::string_view prefix);

}  // namespace waygate::dns

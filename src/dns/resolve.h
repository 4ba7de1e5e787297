// The resolver: a pure function from (zone, name, type) to what an authoritative server says.
// No I/O, no allocation beyond the answer itself; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/zone.h"

namespace waygate::dns {

// Query types the resolver knows by name; any other 16-bit value may be passed (it gets NODATA
// for an existing name).
enum class QType : uint16_t { kA = 1, kNs = 2, kSoa = 6, kAaaa = 28, kAny = 255 };

enum class Outcome {
  kAnswer,    // records below (addresses and/or the apex SOA)
  kNoData,    // the name exists, but has no record of that type (NOERROR, empty answer)
  kNxDomain,  // inside our authority, no such name (foo.nip.io, a.b.<wildcard base>)
  kRefused,   // outside our authority: we do not recurse
};

struct Answer {
  Outcome outcome = Outcome::kRefused;
  std::vector<Ipv4> a;
  std::vector<Ipv6> aaaa;
  bool soa = false;  // the answer section holds the apex SOA (SOA or ANY query at the apex)
  // The zone apex (lowercase, no trailing dot) whose synthetic SOA goes into the authority
  // section of negative answers; a suffix of the query name. Empty when refused.
  std::string apex;
  uint32_t ttl = 0;
};

// Case-insensitive; one trailing dot is ignored. Order, first match wins:
//   1. under a nip suffix with an address in the name (app.10.0.0.1.nip.io): that address,
//      even when the name is also a route host (the name says where it points, as on nip.io);
//   2. an exact route host; 3. one label under a wildcard route host (*.example.com);
//   4. otherwise the longest suffix that is a route host, wildcard base or nip suffix is the
//      apex: the apex itself exists (NODATA), anything below it does not (NXDOMAIN);
//   5. no such suffix: REFUSED. Names that are not valid DNS names are REFUSED too.
Answer Resolve(const Zone& zone, std::string_view qname, QType qtype);

}  // namespace waygate::dns

// The DNS wire codec (RFC 1035, EDNS(0) per RFC 6891, negative answers per RFC 2308). No I/O:
// bytes in, bytes out, every length checked against the packet and the limits below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dns/resolve.h"
#include "dns/zone.h"

namespace waygate::dns {

enum class Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

inline constexpr size_t kMaxNameWire = 255;         // RFC 1035 2.3.4, length octets included
inline constexpr size_t kPlainUdpPayload = 512;     // without EDNS
inline constexpr size_t kDefaultUdpPayload = 1232;  // DNS flag day 2020: no IP fragmentation
inline constexpr size_t kMaxTcpMessage = 65535;     // the 16-bit length prefix

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;         // header flags as received
  std::string_view question;  // wire bytes of QNAME QTYPE QCLASS, inside the packet
  std::string name;           // lowercase, dotted, no trailing dot; empty for the root
  bool name_plain = true;     // false if a label holds a '.' byte, so `name` would misstate it
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool edns = false;
  uint16_t udp_size = 0;  // requester's EDNS payload size (when edns)
  uint8_t edns_version = 0;
  bool dnssec_ok = false;  // DO bit, copied back (RFC 3225)
};

enum class ParseStatus {
  kOk,
  kDrop,     // too short for a header, or a response: never answer (no id, or reflection loops)
  kFormErr,  // header readable, the rest is not a well-formed single-question query
  kNotImp,   // an opcode other than QUERY
};

// Accepts exactly: a header with QR clear, opcode QUERY, QDCOUNT 1, ANCOUNT and NSCOUNT 0,
// ARCOUNT 0 or 1; one question whose name has no compression pointers, no label over 63 octets
// and at most 255 octets; optionally one OPT record (root owner, well-formed options); nothing
// after. On kFormErr and kNotImp, `id` and `flags` are filled for the error response.
ParseStatus ParseQuery(std::string_view packet, Query* out);

// The response to a parsed query. `limit` is the most bytes the transport takes; answers that do
// not fit are cut and TC is set, so a UDP client retries over TCP.
// `advertised_udp_payload` goes into our OPT record. A query with EDNS version > 0 gets BADVERS.
std::string BuildResponse(const Query& query, const Answer& answer, const Zone& zone, size_t limit,
                          uint16_t advertised_udp_payload = kDefaultUdpPayload);

// A header-only response (FORMERR, NOTIMP): the question may be what was malformed.
std::string BuildError(const Query& query, Rcode rcode);

enum class Transport { kUdp, kTcp };

// Parse, resolve, build. std::nullopt: send nothing. `max_udp_payload` caps what an EDNS
// requester may ask for (at least 512).
std::optional<std::string> Respond(const Zone& zone, std::string_view packet, Transport transport,
                                   size_t max_udp_payload = kDefaultUdpPayload);

}  // namespace waygate::dns

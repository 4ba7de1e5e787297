#include "dns/wire.h"

#include <algorithm>

namespace waygate::dns {
namespace {

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagAa = 0x0400;
constexpr uint16_t kFlagTc = 0x0200;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kTypeOpt = 41;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kClassAny = 255;
constexpr uint16_t kTypeIxfr = 251;
constexpr uint16_t kTypeAxfr = 252;
constexpr size_t kHeaderSize = 12;
constexpr size_t kOptSize = 11;  // root owner, type, class, ttl, rdlength 0

uint16_t Get16(std::string_view p, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[at]) << 8) |
                               static_cast<uint8_t>(p[at + 1]));
}

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}

void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v & 0xffff));
}

void Set16(std::string* out, size_t at, uint16_t v) {
  (*out)[at] = static_cast<char>(v >> 8);
  (*out)[at + 1] = static_cast<char>(v & 0xff);
}

// Reads the uncompressed question name at `*pos`, advancing past it.
bool ReadName(std::string_view p, size_t* pos, Query* out) {
  size_t at = *pos;
  std::string& name = out->name;
  name.clear();
  for (;;) {
    if (at >= p.size()) return false;
    const uint8_t len = static_cast<uint8_t>(p[at]);
    if (len & 0xc0) return false;  // compression pointer or reserved label type: not here
    if (at + 1 + len - *pos > kMaxNameWire) return false;
    ++at;
    if (len == 0) break;
    if (at + len > p.size()) return false;
    if (!name.empty()) name.push_back('.');
    for (size_t i = 0; i < len; ++i) {
      char c = p[at + i];
      if (c == '.') out->name_plain = false;
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      name.push_back(c);
    }
    at += len;
  }
  *pos = at;
  return true;
}

// One OPT record (RFC 6891 6.1.2) at `*pos`; its options are walked only to check lengths.
bool ReadOpt(std::string_view p, size_t* pos, Query* out) {
  size_t at = *pos;
  if (at + kOptSize > p.size()) return false;
  if (p[at] != 0) return false;  // owner must be the root
  if (Get16(p, at + 1) != kTypeOpt) return false;
  out->edns = true;
  out->udp_size = Get16(p, at + 3);
  out->edns_version = static_cast<uint8_t>(p[at + 6]);
  out->dnssec_ok = (static_cast<uint8_t>(p[at + 7]) & 0x80) != 0;
  const size_t rdlen = Get16(p, at + 9);
  at += kOptSize;
  if (at + rdlen > p.size()) return false;
  const size_t end = at + rdlen;
  while (at < end) {
    if (at + 4 > end) return false;
    const size_t len = Get16(p, at + 2);
    at += 4;
    if (at + len > end) return false;
    at += len;
  }
  *pos = end;
  return true;
}

// Offset, from the start of the message, of the suffix of the question name that has
// `apex_labels` labels. The question starts at kHeaderSize and was validated by ReadName.
size_t ApexOffset(const Query& q, size_t apex_labels) {
  size_t labels = 0;
  for (size_t i = 0; q.question[i] != 0; i += 1 + static_cast<uint8_t>(q.question[i])) ++labels;
  size_t at = 0;
  for (size_t skip = labels - std::min(labels, apex_labels); skip > 0; --skip) {
    at += 1 + static_cast<uint8_t>(q.question[at]);
  }
  return kHeaderSize + at;
}

size_t LabelCount(std::string_view name) {
  return name.empty() ? 0 : static_cast<size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

void PutPointer(std::string* out, size_t offset) {
  Put16(out, static_cast<uint16_t>(0xc000 | offset));
}

void PutRecordHead(std::string* out, uint16_t type, uint32_t ttl, uint16_t rdlen) {
  PutPointer(out, kHeaderSize);  // every answer's owner is the question name
  Put16(out, type);
  Put16(out, kClassIn);
  Put32(out, ttl);
  Put16(out, rdlen);
}

// The synthetic SOA of `apex_offset`: ns.<apex> hostmaster.<apex> serial 3600 600 86400 ttl.
void PutSoa(std::string* out, size_t apex_offset, const Zone& zone) {
  PutPointer(out, apex_offset);
  Put16(out, static_cast<uint16_t>(QType::kSoa));
  Put16(out, kClassIn);
  Put32(out, zone.ttl());
  Put16(out, 3 + 2 + 11 + 2 + 20);
  out->append("\x02ns", 3);
  PutPointer(out, apex_offset);
  out->append("\x0ahostmaster", 11);
  PutPointer(out, apex_offset);
  Put32(out, zone.serial());
  Put32(out, 3600);        // refresh
  Put32(out, 600);         // retry
  Put32(out, 86400);       // expire
  Put32(out, zone.ttl());  // minimum: how long resolvers cache our negative answers
}
constexpr size_t kSoaSize = 2 + 10 + 3 + 2 + 11 + 2 + 20;

void PutOpt(std::string* out, uint16_t payload, uint8_t ext_rcode, bool dnssec_ok) {
  out->push_back(0);
  Put16(out, kTypeOpt);
  Put16(out, payload);
  out->push_back(static_cast<char>(ext_rcode));
  out->push_back(0);  // version 0
  Put16(out, dnssec_ok ? 0x8000 : 0);
  Put16(out, 0);
}

}  // namespace

ParseStatus ParseQuery(std::string_view p, Query* out) {
  if (p.size() < kHeaderSize) return ParseStatus::kDrop;
  out->id = Get16(p, 0);
  out->flags = Get16(p, 2);
  if (out->flags & kFlagQr) return ParseStatus::kDrop;
  if (((out->flags >> 11) & 0xf) != 0) return ParseStatus::kNotImp;
  if (Get16(p, 4) != 1 || Get16(p, 6) != 0 || Get16(p, 8) != 0) return ParseStatus::kFormErr;
  const uint16_t arcount = Get16(p, 10);
  if (arcount > 1) return ParseStatus::kFormErr;
  size_t pos = kHeaderSize;
  if (!ReadName(p, &pos, out) || pos + 4 > p.size()) return ParseStatus::kFormErr;
  out->qtype = Get16(p, pos);
  out->qclass = Get16(p, pos + 2);
  pos += 4;
  out->question = p.substr(kHeaderSize, pos - kHeaderSize);
  if (arcount == 1 && !ReadOpt(p, &pos, out)) {
    out->edns = false;  // a malformed OPT gets a FORMERR without OPT (RFC 6891 7)
    return ParseStatus::kFormErr;
  }
  if (pos != p.size()) return ParseStatus::kFormErr;
  return ParseStatus::kOk;
}

std::string BuildError(const Query& query, Rcode rcode) {
  std::string out;
  out.reserve(kHeaderSize);
  Put16(&out, query.id);
  Put16(&out, static_cast<uint16_t>(kFlagQr | (query.flags & (0x7800 | kFlagRd)) |
                                    static_cast<uint16_t>(rcode)));
  out.append(8, '\0');
  return out;
}

std::string BuildResponse(const Query& query, const Answer& answer, const Zone& zone, size_t limit,
                          uint16_t advertised_udp_payload) {
  const bool badvers = query.edns && query.edns_version != 0;
  Rcode rcode = Rcode::kNoError;
  if (!badvers && answer.outcome == Outcome::kNxDomain) rcode = Rcode::kNxDomain;
  if (!badvers && answer.outcome == Outcome::kRefused) rcode = Rcode::kRefused;
  const bool authoritative = !badvers && answer.outcome != Outcome::kRefused;
  // The OPT record always fits: it is reserved before any answer is written.
  const size_t budget = limit - (query.edns ? kOptSize : 0);

  std::string out;
  out.reserve(std::min<size_t>(limit, 512));
  Put16(&out, query.id);
  Put16(&out, 0);  // flags, below
  Put16(&out, 1);
  Put16(&out, 0);  // ancount
  Put16(&out, 0);  // nscount
  Put16(&out, query.edns ? 1 : 0);
  out.append(query.question);

  bool truncated = false;
  uint16_t ancount = 0;
  uint16_t nscount = 0;
  if (authoritative) {
    const size_t apex_offset = ApexOffset(query, LabelCount(answer.apex));
    if (answer.soa) {
      if (out.size() + kSoaSize <= budget) {
        PutSoa(&out, apex_offset, zone);
        ++ancount;
      } else {
        truncated = true;
      }
    }
    for (const Ipv4& a : answer.a) {
      if (truncated || out.size() + 12 + a.size() > budget) {
        truncated = true;
        break;
      }
      PutRecordHead(&out, static_cast<uint16_t>(QType::kA), answer.ttl, a.size());
      out.append(reinterpret_cast<const char*>(a.data()), a.size());
      ++ancount;
    }
    for (const Ipv6& a : answer.aaaa) {
      if (truncated || out.size() + 12 + a.size() > budget) {
        truncated = true;
        break;
      }
      PutRecordHead(&out, static_cast<uint16_t>(QType::kAaaa), answer.ttl, a.size());
      out.append(reinterpret_cast<const char*>(a.data()), a.size());
      ++ancount;
    }
    const bool negative =
        answer.outcome == Outcome::kNoData || answer.outcome == Outcome::kNxDomain;
    if (negative) {
      if (out.size() + kSoaSize <= budget) {
        PutSoa(&out, apex_offset, zone);
        ++nscount;
      } else {
        truncated = true;
      }
    }
  }
  if (query.edns) PutOpt(&out, advertised_udp_payload, badvers ? 1 : 0, query.dnssec_ok);

  uint16_t flags = kFlagQr | (query.flags & kFlagRd) | static_cast<uint16_t>(rcode);
  if (authoritative) flags |= kFlagAa;
  if (truncated) flags |= kFlagTc;
  Set16(&out, 2, flags);
  Set16(&out, 6, ancount);
  Set16(&out, 8, nscount);
  return out;
}

std::optional<std::string> Respond(const Zone& zone, std::string_view packet, Transport transport,
                                   size_t max_udp_payload) {
  Query query;
  switch (ParseQuery(packet, &query)) {
    case ParseStatus::kDrop:
      return std::nullopt;
    case ParseStatus::kFormErr:
      return BuildError(query, Rcode::kFormErr);
    case ParseStatus::kNotImp:
      return BuildError(query, Rcode::kNotImp);
    case ParseStatus::kOk:
      break;
  }
  max_udp_payload = std::clamp<size_t>(max_udp_payload, kPlainUdpPayload, kMaxTcpMessage);
  size_t limit = kMaxTcpMessage;
  if (transport == Transport::kUdp) {
    limit = query.edns ? std::clamp<size_t>(query.udp_size, kPlainUdpPayload, max_udp_payload)
                       : kPlainUdpPayload;
  }
  Answer answer;  // refused unless resolved below
  const bool servable = query.name_plain &&
                        (query.qclass == kClassIn || query.qclass == kClassAny) &&
                        query.qtype != kTypeAxfr && query.qtype != kTypeIxfr;
  if (servable) answer = Resolve(zone, query.name, static_cast<QType>(query.qtype));
  return BuildResponse(query, answer, zone, limit, static_cast<uint16_t>(max_udp_payload));
}

}  // namespace waygate::dns

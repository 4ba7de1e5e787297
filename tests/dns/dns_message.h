// Test-side DNS message building and decoding, written apart from src/dns/wire.cc so a codec bug
// cannot hide itself: queries are assembled byte by byte, responses decoded (pointers followed)
// by this small independent reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::dns::testing {

inline void Put16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v >> 8));
  s->push_back(static_cast<char>(v & 0xff));
}

inline std::string Header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an = 0,
                          uint16_t ns = 0, uint16_t ar = 0) {
  std::string s;
  for (uint16_t v : {id, flags, qd, an, ns, ar}) Put16(&s, v);
  return s;
}

// "app.10.0.0.1.nip.io" -> wire labels (no escapes: tests that need odd bytes build by hand).
inline std::string WireName(std::string_view dotted) {
  std::string s;
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    s.push_back(static_cast<char>(label.size()));
    s.append(label);
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  s.push_back('\0');
  return s;
}

inline std::string Question(std::string_view name, uint16_t type, uint16_t klass = 1) {
  std::string s = WireName(name);
  Put16(&s, type);
  Put16(&s, klass);
  return s;
}

inline std::string Opt(uint16_t udp_size, uint8_t version = 0, bool dnssec_ok = false,
                       std::string_view options = {}) {
  std::string s(1, '\0');
  Put16(&s, 41);
  Put16(&s, udp_size);
  s.push_back(0);
  s.push_back(static_cast<char>(version));
  Put16(&s, dnssec_ok ? 0x8000 : 0);
  Put16(&s, static_cast<uint16_t>(options.size()));
  s.append(options);
  return s;
}

// A plain query: RD set, one question, optional EDNS.
inline std::string Query(uint16_t id, std::string_view name, uint16_t type,
                         std::optional<uint16_t> edns_size = std::nullopt) {
  std::string s = Header(id, 0x0100, 1, 0, 0, edns_size ? 1 : 0) + Question(name, type);
  if (edns_size) s += Opt(*edns_size);
  return s;
}

struct Record {
  std::string name;  // dotted, as on the wire (case kept)
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  std::string rdata;
  size_t rdata_offset = 0;  // for names inside rdata (SOA)
};

struct Message {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qdcount = 0;
  std::string qname;
  uint16_t qtype = 0;
  std::vector<Record> answers, authority, additional;

  int rcode() const { return flags & 0xf; }
  bool qr() const { return flags & 0x8000; }
  bool aa() const { return flags & 0x0400; }
  bool tc() const { return flags & 0x0200; }
  bool rd() const { return flags & 0x0100; }
  bool ra() const { return flags & 0x0080; }
};

class Reader {
 public:
  explicit Reader(std::string_view p) : p_(p) {}
  bool U16(size_t at, uint16_t* v) const {
    if (at + 2 > p_.size()) return false;
    *v = static_cast<uint16_t>((static_cast<uint8_t>(p_[at]) << 8) |
                               static_cast<uint8_t>(p_[at + 1]));
    return true;
  }
  // Decodes a possibly compressed name at `*at`; follows at most 32 pointers.
  bool Name(size_t* at, std::string* out) const {
    size_t pos = *at;
    bool jumped = false;
    out->clear();
    for (int hops = 0; hops < 32;) {
      if (pos >= p_.size()) return false;
      const uint8_t len = static_cast<uint8_t>(p_[pos]);
      if ((len & 0xc0) == 0xc0) {
        uint16_t ptr;
        if (!U16(pos, &ptr)) return false;
        if (!jumped) *at = pos + 2;
        jumped = true;
        pos = ptr & 0x3fff;
        ++hops;
        continue;
      }
      if (len == 0) {
        if (!jumped) *at = pos + 1;
        return true;
      }
      if (pos + 1 + len > p_.size()) return false;
      if (!out->empty()) out->push_back('.');
      out->append(p_.substr(pos + 1, len));
      pos += 1 + len;
    }
    return false;
  }

 private:
  std::string_view p_;
};

inline std::optional<Message> Decode(std::string_view p) {
  Reader r(p);
  Message m;
  uint16_t an, ns, ar;
  if (!r.U16(0, &m.id) || !r.U16(2, &m.flags) || !r.U16(4, &m.qdcount) || !r.U16(6, &an) ||
      !r.U16(8, &ns) || !r.U16(10, &ar)) {
    return std::nullopt;
  }
  size_t at = 12;
  if (m.qdcount > 1) return std::nullopt;
  if (m.qdcount == 1) {
    if (!r.Name(&at, &m.qname) || !r.U16(at, &m.qtype)) return std::nullopt;
    at += 4;
  }
  const std::pair<uint16_t, std::vector<Record>*> sections[] = {
      {an, &m.answers}, {ns, &m.authority}, {ar, &m.additional}};
  for (auto [count, list] : sections) {
    for (uint16_t i = 0; i < count; ++i) {
      Record rr;
      uint16_t ttl_hi, ttl_lo, rdlen;
      if (!r.Name(&at, &rr.name) || !r.U16(at, &rr.type) || !r.U16(at + 2, &rr.klass) ||
          !r.U16(at + 4, &ttl_hi) || !r.U16(at + 6, &ttl_lo) || !r.U16(at + 8, &rdlen)) {
        return std::nullopt;
      }
      rr.ttl = (uint32_t{ttl_hi} << 16) | ttl_lo;
      at += 10;
      if (at + rdlen > p.size()) return std::nullopt;
      rr.rdata_offset = at;
      rr.rdata = std::string(p.substr(at, rdlen));
      at += rdlen;
      list->push_back(rr);
    }
  }
  if (at != p.size()) return std::nullopt;
  return m;
}

}  // namespace waygate::dns::testing

#include "dns/resolve.h"

#include "dns/nip.h"

namespace waygate::dns {
namespace {

// Fills `out` from `records` for `qtype`; NODATA when there is nothing of that type.
void FromRecords(const HostRecords& records, QType qtype, bool at_apex, Answer* out) {
  if (qtype == QType::kA || qtype == QType::kAny) out->a = records.v4;
  if (qtype == QType::kAaaa || qtype == QType::kAny) out->aaaa = records.v6;
  out->soa = at_apex && (qtype == QType::kSoa || qtype == QType::kAny);
  const bool any = !out->a.empty() || !out->aaaa.empty() || out->soa;
  out->outcome = any ? Outcome::kAnswer : Outcome::kNoData;
}

void FromNip(const NipAddress& addr, QType qtype, Answer* out) {
  if (const Ipv4* v4 = std::get_if<Ipv4>(&addr)) {
    if (qtype == QType::kA || qtype == QType::kAny) out->a.push_back(*v4);
  } else if (const Ipv6* v6 = std::get_if<Ipv6>(&addr)) {
    if (qtype == QType::kAaaa || qtype == QType::kAny) out->aaaa.push_back(*v6);
  }
  out->outcome = out->a.empty() && out->aaaa.empty() ? Outcome::kNoData : Outcome::kAnswer;
}

}  // namespace

Answer Resolve(const Zone& zone, std::string_view qname, QType qtype) {
  Answer out;
  out.ttl = zone.ttl();
  std::string name;
  if (!NormalizeName(qname, &name)) return out;  // refused

  // 1. nip-style names carrying an address.
  for (const std::string& suffix : zone.nip_suffixes()) {
    if (name.size() > suffix.size() + 1 && name.ends_with(suffix) &&
        name[name.size() - suffix.size() - 1] == '.') {
      const NipAddress addr =
          ParseNipAddress(std::string_view(name).substr(0, name.size() - suffix.size() - 1));
      if (!std::holds_alternative<std::monostate>(addr)) {
        out.apex = suffix;
        FromNip(addr, qtype, &out);
        return out;
      }
    }
  }
  // 2. exact route hosts: each is the apex of its own little zone.
  if (const HostRecords* records = zone.FindExact(name)) {
    out.apex = name;
    FromRecords(*records, qtype, /*at_apex=*/true, &out);
    return out;
  }
  // 3. wildcard route hosts cover exactly one label, as an Ingress wildcard does.
  const size_t first_dot = name.find('.');
  if (first_dot != std::string::npos) {
    const std::string_view base = std::string_view(name).substr(first_dot + 1);
    if (const HostRecords* records = zone.FindWildcard(base)) {
      out.apex = base;
      FromRecords(*records, qtype, /*at_apex=*/false, &out);
      return out;
    }
  }
  // 4. the longest enclosing apex decides between NODATA and NXDOMAIN.
  for (size_t pos = 0; pos != std::string::npos;) {
    const std::string_view suffix = std::string_view(name).substr(pos);
    if (zone.FindExact(suffix) || zone.FindWildcard(suffix) || zone.IsNipSuffix(suffix)) {
      out.apex = suffix;
      if (pos == 0) {
        // The apex of a nip suffix or wildcard base: it exists but has no addresses.
        out.soa = qtype == QType::kSoa || qtype == QType::kAny;
        out.outcome = out.soa ? Outcome::kAnswer : Outcome::kNoData;
      } else {
        out.outcome = Outcome::kNxDomain;
      }
      return out;
    }
    pos = name.find('.', pos);
    if (pos != std::string::npos) ++pos;
  }
  return out;  // 5. refused
}

}  // namespace waygate::dns

#include "dns/zone.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>

namespace waygate::dns {
namespace {

template <class T>
void AddUnique(std::vector<T>* list, const T& v) {
  if (std::find(list->begin(), list->end(), v) == list->end()) list->push_back(v);
}

// Per-host sets of addresses seen so far, so merging stays linear for hosts with many nodes.
struct Seen {
  std::set<Ipv4> v4;
  std::set<Ipv6> v6;
};

}  // namespace

bool NormalizeName(std::string_view in, std::string* out) {
  if (!in.empty() && in.back() == '.') in.remove_suffix(1);
  if (in.empty() || in.size() > 253) return false;
  out->assign(in);
  size_t label = 0;
  for (char& c : *out) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (++label > 63) return false;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return label != 0;
}

Result<std::shared_ptr<const Zone>> Zone::Create(const ZoneSpec& spec) {
  std::shared_ptr<Zone> zone(new Zone());
  zone->ttl_ = spec.ttl;
  zone->serial_ = spec.serial;
  for (size_t i = 0; i < spec.nip_suffixes.size(); ++i) {
    std::string name;
    if (!NormalizeName(spec.nip_suffixes[i], &name) || name.find('*') != std::string::npos) {
      return MakeError(ErrorCode::kInvalid,
                       "nip suffix \"" + spec.nip_suffixes[i] + "\" is not a DNS name",
                       "nip_suffixes[" + std::to_string(i) + "]");
    }
    AddUnique(&zone->nip_suffixes_, name);
  }
  std::map<std::string, Seen> seen_exact;
  std::map<std::string, Seen> seen_wildcard;
  for (size_t i = 0; i < spec.hosts.size(); ++i) {
    const HostEntry& entry = spec.hosts[i];
    const std::string field = "hosts[" + std::to_string(i) + "]";
    std::string_view host = entry.host;
    const bool wildcard = host.starts_with("*.");
    if (wildcard) host.remove_prefix(2);
    std::string name;
    if (!NormalizeName(host, &name) || name.find('*') != std::string::npos) {
      return MakeError(ErrorCode::kInvalid,
                       "host \"" + entry.host + "\" is not a DNS name (or *.name wildcard)",
                       field + ".host");
    }
    HostRecords& records = (wildcard ? zone->wildcard_ : zone->exact_)[name];
    Seen& seen = (wildcard ? seen_wildcard : seen_exact)[name];
    for (size_t j = 0; j < entry.addresses.size(); ++j) {
      const std::string& text = entry.addresses[j];
      Ipv4 v4;
      Ipv6 v6;
      if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) {
        if (seen.v4.insert(v4).second) records.v4.push_back(v4);
      } else if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) {
        if (seen.v6.insert(v6).second) records.v6.push_back(v6);
      } else {
        return MakeError(ErrorCode::kInvalid, "\"" + text + "\" is not an IPv4 or IPv6 address",
                         field + ".addresses[" + std::to_string(j) + "]");
      }
    }
  }
  return std::shared_ptr<const Zone>(std::move(zone));
}

const HostRecords* Zone::FindExact(std::string_view name) const {
  auto it = exact_.find(name);
  return it == exact_.end() ? nullptr : &it->second;
}

const HostRecords* Zone::FindWildcard(std::string_view base) const {
  auto it = wildcard_.find(base);
  return it == wildcard_.end() ? nullptr : &it->second;
}

bool Zone::IsNipSuffix(std::string_view name) const {
  return std::find(nip_suffixes_.begin(), nip_suffixes_.end(), name) != nip_suffixes_.end();
}

}  // namespace waygate::dns

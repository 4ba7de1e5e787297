#include "tls/sni_index.h"

#include <algorithm>
#include <tuple>

#include "tls/certificate.h"

namespace waygate::tls {

Result<std::shared_ptr<const SniIndex>> SniIndex::Build(std::vector<SniBinding> bindings,
                                                        ServerContextPtr default_context) {
  if (!default_context) return MakeError(ErrorCode::kInternal, "SNI index: no default context");
  std::shared_ptr<SniIndex> index(new SniIndex());
  index->default_ = std::move(default_context);
  // Decide every tie by (namespace, name), whatever order the bindings arrived in.
  std::stable_sort(bindings.begin(), bindings.end(), [](const SniBinding& a, const SniBinding& b) {
    return std::tie(a.ingress_namespace, a.ingress_name) <
           std::tie(b.ingress_namespace, b.ingress_name);
  });
  std::unordered_map<std::string, std::string> winner;  // normalized pattern -> ingress
  for (auto& b : bindings) {
    std::string ingress = b.ingress_namespace + "/" + b.ingress_name;
    std::string host;
    bool valid = NormalizeHost(b.host, &host);
    bool wildcard = valid && host.size() > 2 && host[0] == '*' && host[1] == '.';
    std::string_view rest = wildcard ? std::string_view(host).substr(2) : std::string_view(host);
    if (!valid || rest.empty() || rest.find('*') != std::string_view::npos || rest[0] == '.' ||
        rest.back() == '.') {
      index->problems_.push_back(
          {b.host, ingress, "TLS host \"" + b.host + "\" is not a host name or *.wildcard"});
      continue;
    }
    if (!b.context) {
      index->problems_.push_back({b.host, ingress, "no certificate context"});
      continue;
    }
    Map& map = wildcard ? index->wildcard_ : index->exact_;
    auto [it, inserted] = map.emplace(std::string(rest), b.context.get());
    if (!inserted) {
      if (it->second != b.context.get()) {
        index->problems_.push_back({b.host, ingress,
                                    "host " + host + " already takes its certificate from " +
                                        winner[host] + " (first in namespace/name order)"});
      }
      continue;
    }
    winner[host] = ingress;
    index->owned_.push_back(std::move(b.context));
  }
  return std::shared_ptr<const SniIndex>(std::move(index));
}

const ServerContext& SniIndex::Lookup(std::string_view server_name) const {
  if (!server_name.empty() && server_name.back() == '.') server_name.remove_suffix(1);
  char buf[253];
  if (server_name.empty() || server_name.size() > sizeof(buf)) return *default_;
  for (size_t i = 0; i < server_name.size(); ++i) {
    char c = server_name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view host(buf, server_name.size());
  if (auto it = exact_.find(host); it != exact_.end()) return *it->second;
  size_t dot = host.find('.');
  if (dot != std::string_view::npos && dot > 0) {
    if (auto it = wildcard_.find(host.substr(dot + 1)); it != wildcard_.end()) return *it->second;
  }
  return *default_;
}

}  // namespace waygate::tls

// SNI name -> ServerContext, compiled once per configuration snapshot and read by every worker.
//
// Lookup order: the exact host (ASCII case-insensitive, one trailing dot ignored), then a
// wildcard binding "*.example.com" that covers exactly one more label (RFC 6125 §6.4.3:
// "a.example.com" yes, "a.b.example.com" and "example.com" no), then the default context. An
// absent server name (no SNI, or an IP literal the client sent anyway) gets the default.
//
// Two Ingresses naming the same host with different Secrets: the first in (namespace, name)
// order wins, the same tie-break as the route compiler (route/compiler.h), so the certificate and
// the routes of a host always come from the same Ingress. (ingress-nginx picks the oldest
// creationTimestamp instead; (namespace, name) is stable across restarts and re-lists.) The
// losers are listed in conflicts() for a Warning Event.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "tls/server_context.h"

namespace waygate::tls {

struct SniBinding {
  std::string host;  // from Ingress spec.tls[].hosts: "a.example.com" or "*.example.com"
  std::string ingress_namespace;
  std::string ingress_name;
  ServerContextPtr context;  // the Secret's; the caller shares one per Secret
};

class SniIndex {
 public:
  struct Problem {
    std::string host;
    std::string ingress;  // "namespace/name" of the binding that was not used
    std::string message;
  };

  // Bindings with an invalid host pattern (empty, "*", a partial-label wildcard "f*.example.com")
  // or no context are skipped and reported in problems(); only a missing default is an error.
  static Result<std::shared_ptr<const SniIndex>> Build(std::vector<SniBinding> bindings,
                                                       ServerContextPtr default_context);

  // Never fails, never allocates.
  const ServerContext& Lookup(std::string_view server_name) const;
  const ServerContext& default_context() const { return *default_; }
  const std::vector<Problem>& problems() const { return problems_; }
  size_t exact_count() const { return exact_.size(); }
  size_t wildcard_count() const { return wildcard_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, const ServerContext*, Hash, std::equal_to<>>;

  SniIndex() = default;

  std::vector<ServerContextPtr> owned_;  // keeps the raw pointers below alive
  ServerContextPtr default_;
  Map exact_;
  Map wildcard_;  // keyed by the suffix after "*."
  std::vector<Problem> problems_;
};

}  // namespace waygate::tls

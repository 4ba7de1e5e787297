// The controller's picture of the cluster: every Ingress's references, every Service's ports
// and every Secret's TLS shape, indexed by "<namespace>/<name>" so a change to one Service or
// Secret re-checks only the Ingresses that name it. Single-threaded (the controller's thread).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/ingress_refs.h"

namespace waygate::controller {

class ReferenceIndex {
 public:
  // Each mutation returns the Ingress keys whose verdict may have changed. A write that leaves
  // what matters untouched (an Ingress status or label update, a Service's selector) returns
  // none, so it never re-checks (and never repeats an Event).
  std::vector<std::string> PutIngress(const std::string& key, const nlohmann::json& object,
                                      std::string resource_version);
  // The deleted Ingress's uid (for forgetting its Events), nullopt if it was not known.
  std::optional<std::string> DeleteIngress(const std::string& key);
  std::vector<std::string> PutService(const std::string& key, const nlohmann::json& object);
  std::vector<std::string> DeleteService(const std::string& key);
  std::vector<std::string> PutSecret(const std::string& key, const nlohmann::json& object);
  std::vector<std::string> DeleteSecret(const std::string& key);

  const IngressRefs* FindIngress(const std::string& key) const;
  std::vector<Problem> Check(const IngressRefs& ingress) const;

  std::vector<std::string> IngressKeys() const;
  std::vector<std::string> ServiceKeys() const;
  std::vector<std::string> SecretKeys() const;

 private:
  struct IngressEntry {
    IngressRefs refs;
    size_t spec_hash = 0;
  };
  using Dependents = std::unordered_map<std::string, std::set<std::string>>;

  void Link(const std::string& key, const IngressRefs& refs);
  void Unlink(const std::string& key, const IngressRefs& refs);
  static std::vector<std::string> DependentsOf(const Dependents& index, const std::string& key);

  std::unordered_map<std::string, IngressEntry> ingresses_;
  std::unordered_map<std::string, ServiceSummary> services_;
  std::unordered_map<std::string, SecretSummary> secrets_;
  Dependents by_service_;  // "ns/service" -> Ingress keys naming it
  Dependents by_secret_;   // "ns/secret" -> Ingress keys naming it
};

}  // namespace waygate::controller

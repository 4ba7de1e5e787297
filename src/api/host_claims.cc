#include "api/host_claims.h"

#include <map>
#include <string>
#include <string_view>

#include "model/field_path.h"

namespace waygate::api {
namespace {

using nlohmann::json;

// DNS names are ASCII and case-insensitive (RFC 4343); other bytes are left as they are.
std::string FoldHost(std::string_view host) {
  std::string out(host);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view StringAt(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

const json* RulesOf(const json& ingress) {
  if (!ingress.is_object()) return nullptr;
  auto spec = ingress.find("spec");
  if (spec == ingress.end() || !spec->is_object()) return nullptr;
  auto rules = spec->find("rules");
  if (rules == spec->end() || !rules->is_array()) return nullptr;
  return &*rules;
}

std::string_view NamespaceOf(const json& ingress) {
  if (!ingress.is_object()) return {};
  auto meta = ingress.find("metadata");
  return meta == ingress.end() ? std::string_view() : StringAt(*meta, "namespace");
}

}  // namespace

std::vector<Error> CheckHostClaims(const json& ingress, std::span<const json> stored_ingresses) {
  const json* rules = RulesOf(ingress);
  if (rules == nullptr || rules->empty()) return {};
  const std::string_view own_namespace = NamespaceOf(ingress);

  // Folded host -> owning namespace, from the other projects only. An Ingress with
  // metadata.deletionTimestamp set still claims its hosts until it is gone from the store: while
  // finalizers hold it, the owner's gateway may still route the host, and a second project
  // taking it then would have two tenants serving one host.
  std::map<std::string, std::string_view> owners;
  for (const json& other : stored_ingresses) {
    const std::string_view ns = NamespaceOf(other);
    if (ns == own_namespace) continue;
    const json* other_rules = RulesOf(other);
    if (other_rules == nullptr) continue;
    for (const json& rule : *other_rules) {
      const std::string_view host = StringAt(rule, "host");
      if (host.empty()) continue;
      auto [it, inserted] = owners.emplace(FoldHost(host), ns);
      if (!inserted && ns < it->second) it->second = ns;
    }
  }
  if (owners.empty()) return {};

  model::ErrorList errors;
  const model::FieldPath spec("spec");
  const model::FieldPath rules_path = spec.Child("rules");
  for (size_t i = 0; i < rules->size(); ++i) {
    // An empty host (a catch-all rule) or a non-string one (validation's to report) claims
    // nothing here.
    const std::string_view host = StringAt((*rules)[i], "host");
    if (host.empty()) continue;
    auto owner = owners.find(FoldHost(host));
    if (owner == owners.end()) continue;
    const model::FieldPath rule = rules_path.Index(i);
    errors.Invalid(rule.Child("host"), host,
                   "host is already claimed by project " + model::Quote(owner->second));
  }
  return errors.Take();
}

}  // namespace waygate::api

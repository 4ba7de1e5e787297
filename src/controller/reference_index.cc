#include "controller/reference_index.h"

#include <functional>

namespace waygate::controller {
namespace {

using nlohmann::json;

size_t SpecHash(const json& object) {
  auto spec = object.is_object() ? object.find("spec") : object.end();
  if (!object.is_object() || spec == object.end()) return 0;
  return std::hash<std::string>{}(spec->dump());
}

std::string Qualified(const std::string& ns, const std::string& name) { return ns + "/" + name; }

template <class Map>
std::vector<std::string> KeysOf(const Map& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [key, value] : map) keys.push_back(key);
  return keys;
}

}  // namespace

std::vector<std::string> ReferenceIndex::PutIngress(const std::string& key, const json& object,
                                                    std::string resource_version) {
  IngressRefs refs = ParseIngressRefs(object, std::move(resource_version));
  size_t hash = SpecHash(object);
  auto it = ingresses_.find(key);
  if (it != ingresses_.end()) {
    IngressEntry& old = it->second;
    if (old.refs.uid == refs.uid && old.spec_hash == hash) {
      // Same object, same spec: keep the newer resourceVersion for the next Event only.
      old.refs.resource_version = std::move(refs.resource_version);
      return {};
    }
    Unlink(key, old.refs);
    ingresses_.erase(it);
  }
  Link(key, refs);
  ingresses_.emplace(key, IngressEntry{std::move(refs), hash});
  return {key};
}

std::optional<std::string> ReferenceIndex::DeleteIngress(const std::string& key) {
  auto it = ingresses_.find(key);
  if (it == ingresses_.end()) return std::nullopt;
  std::string uid = it->second.refs.uid;
  Unlink(key, it->second.refs);
  ingresses_.erase(it);
  return uid;
}

std::vector<std::string> ReferenceIndex::PutService(const std::string& key, const json& object) {
  ServiceSummary summary = SummarizeService(object);
  auto [it, inserted] = services_.try_emplace(key, summary);
  if (!inserted) {
    if (it->second == summary) return {};
    it->second = std::move(summary);
  }
  return DependentsOf(by_service_, key);
}

std::vector<std::string> ReferenceIndex::DeleteService(const std::string& key) {
  if (services_.erase(key) == 0) return {};
  return DependentsOf(by_service_, key);
}

std::vector<std::string> ReferenceIndex::PutSecret(const std::string& key, const json& object) {
  SecretSummary summary = SummarizeSecret(object, std::chrono::system_clock::now());
  auto [it, inserted] = secrets_.try_emplace(key, summary);
  if (!inserted) {
    if (it->second == summary) return {};
    it->second = std::move(summary);
  }
  return DependentsOf(by_secret_, key);
}

std::vector<std::string> ReferenceIndex::DeleteSecret(const std::string& key) {
  if (secrets_.erase(key) == 0) return {};
  return DependentsOf(by_secret_, key);
}

const IngressRefs* ReferenceIndex::FindIngress(const std::string& key) const {
  auto it = ingresses_.find(key);
  return it == ingresses_.end() ? nullptr : &it->second.refs;
}

std::vector<Problem> ReferenceIndex::Check(const IngressRefs& ingress) const {
  const std::string& ns = ingress.namespace_;
  return CheckIngress(
      ingress,
      [&](std::string_view name) -> const ServiceSummary* {
        auto it = services_.find(Qualified(ns, std::string(name)));
        return it == services_.end() ? nullptr : &it->second;
      },
      [&](std::string_view name) -> const SecretSummary* {
        auto it = secrets_.find(Qualified(ns, std::string(name)));
        return it == secrets_.end() ? nullptr : &it->second;
      });
}

std::vector<std::string> ReferenceIndex::IngressKeys() const { return KeysOf(ingresses_); }
std::vector<std::string> ReferenceIndex::ServiceKeys() const { return KeysOf(services_); }
std::vector<std::string> ReferenceIndex::SecretKeys() const { return KeysOf(secrets_); }

void ReferenceIndex::Link(const std::string& key, const IngressRefs& refs) {
  for (const ServiceRef& ref : refs.services) {
    by_service_[Qualified(refs.namespace_, ref.service)].insert(key);
  }
  for (const std::string& secret : refs.secrets) {
    by_secret_[Qualified(refs.namespace_, secret)].insert(key);
  }
}

void ReferenceIndex::Unlink(const std::string& key, const IngressRefs& refs) {
  auto drop = [&](Dependents& index, const std::string& target) {
    auto it = index.find(target);
    if (it == index.end()) return;
    it->second.erase(key);
    if (it->second.empty()) index.erase(it);
  };
  for (const ServiceRef& ref : refs.services)
    drop(by_service_, Qualified(refs.namespace_, ref.service));
  for (const std::string& secret : refs.secrets)
    drop(by_secret_, Qualified(refs.namespace_, secret));
}

std::vector<std::string> ReferenceIndex::DependentsOf(const Dependents& index,
                                                      const std::string& key) {
  auto it = index.find(key);
  if (it == index.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace waygate::controller

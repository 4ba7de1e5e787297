#include "sync/manifest_objects.h"

#include <algorithm>

namespace waygate::sync {
namespace {

using Kind = route::RouteCompiler::Kind;

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kIngress:
      return "Ingress";
    case Kind::kService:
      return "Service";
    case Kind::kEndpoints:
      return "Endpoints";
    case Kind::kEndpointSlice:
      return "EndpointSlice";
    case Kind::kIngressClass:
      return "IngressClass";
    case Kind::kGateway:
      return "Gateway";
    case Kind::kSecret:
      return "Secret";
  }
  return "?";
}

template <class T>
void Upsert(route::RouteCompiler& compiler, const std::shared_ptr<const model::ClusterState>& owner,
            const void* object) {
  compiler.Upsert(std::shared_ptr<const T>(owner, static_cast<const T*>(object)));
}

}  // namespace

std::vector<ManifestObjects::Entry> ManifestObjects::Index(const model::ClusterState& state) {
  std::vector<Entry> entries;
  auto add = [&entries](Kind kind, const auto& items) {
    for (const auto& item : items) {
      entries.push_back(
          Entry{Key{kind, item.meta.namespace_, item.meta.name}, &item, &item.origin});
    }
  };
  add(Kind::kIngress, state.ingresses);
  add(Kind::kService, state.services);
  add(Kind::kEndpoints, state.endpoints);
  add(Kind::kEndpointSlice, state.endpoint_slices);
  add(Kind::kIngressClass, state.ingress_classes);
  add(Kind::kGateway, state.gateways);
  add(Kind::kSecret, state.secrets);
  // Stable: a file's own duplicates were dropped by the decoder, so keys are distinct anyway.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.key < b.key; });
  return entries;
}

void ManifestObjects::SetFile(const std::string& name,
                              std::shared_ptr<const model::ClusterState> objects,
                              std::vector<model::Diagnostic>& diagnostics) {
  std::set<Key> touched;
  if (auto old = files_.find(name); old != files_.end()) {
    for (const Entry& e : old->second.entries) {
      touched.insert(e.key);
      auto holders = holders_.find(e.key);
      holders->second.erase(name);
      if (holders->second.empty()) holders_.erase(holders);
    }
    files_.erase(old);
  }
  if (objects != nullptr) {
    File file{objects, Index(*objects)};
    for (const Entry& e : file.entries) {
      touched.insert(e.key);
      std::set<std::string>& holders = holders_[e.key];
      holders.insert(name);
      if (holders.size() > 1) {
        const std::string& other =
            *holders.begin() == name ? *std::next(holders.begin()) : *holders.begin();
        std::string object = std::string(KindName(e.key.kind)) + " " +
                             (e.key.namespace_.empty() ? "" : e.key.namespace_ + "/") + e.key.name;
        diagnostics.push_back(model::Diagnostic{
            *e.origin, object,
            MakeError(ErrorCode::kConflict, "also defined in " + other +
                                                "; the definition in the first file by name (" +
                                                *holders.begin() + ") is used")});
      }
    }
    files_.emplace(name, std::move(file));
  }
  for (const Key& key : touched) Feed(key);
}

void ManifestObjects::Feed(const Key& key) {
  auto holders = holders_.find(key);
  if (holders == holders_.end()) {
    compiler_->Remove(key.kind, key.namespace_, key.name);
    return;
  }
  const File& file = files_.at(*holders->second.begin());
  auto it = std::lower_bound(file.entries.begin(), file.entries.end(), key,
                             [](const Entry& e, const Key& k) { return e.key < k; });
  switch (key.kind) {
    case Kind::kIngress:
      return Upsert<model::Ingress>(*compiler_, file.objects, it->object);
    case Kind::kService:
      return Upsert<model::Service>(*compiler_, file.objects, it->object);
    case Kind::kEndpoints:
      return Upsert<model::Endpoints>(*compiler_, file.objects, it->object);
    case Kind::kEndpointSlice:
      return Upsert<model::EndpointSlice>(*compiler_, file.objects, it->object);
    case Kind::kIngressClass:
      return Upsert<model::IngressClass>(*compiler_, file.objects, it->object);
    case Kind::kGateway:
      return Upsert<model::Gateway>(*compiler_, file.objects, it->object);
    case Kind::kSecret:
      return Upsert<model::Secret>(*compiler_, file.objects, it->object);
  }
}

}  // namespace waygate::sync

#include "route/compiler.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "route/backends.h"
#include "route/host_table.h"
#include "route/selection.h"

namespace waygate::route {

namespace {

using internal::BlockPtr;
using internal::HostBlock;
using internal::HostTable;
using internal::ShardedHostMap;

// (namespace, name): the order that decides every tie between Ingresses.
using ObjectId = std::pair<std::string, std::string>;

std::string Key(const std::string& namespace_, const std::string& name) {
  return namespace_ + "/" + name;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* PathTypeName(model::PathType type) {
  switch (type) {
    case model::PathType::kExact:
      return "Exact";
    case model::PathType::kPrefix:
      return "Prefix";
    case model::PathType::kImplementationSpecific:
      return "ImplementationSpecific";
  }
  return "?";
}

// Where in an Ingress a problem is; turned into a field path only when reported, so the
// common, error-free compile builds no field strings.
struct Where {
  int rule = -1;  // -1: spec.defaultBackend
  int path = -1;  // -1: the rule itself

  std::string Field(std::string_view suffix) const {
    std::string field =
        rule < 0 ? "spec.defaultBackend" : "spec.rules[" + std::to_string(rule) + "]";
    if (path >= 0) field += ".http.paths[" + std::to_string(path) + "]";
    if (!suffix.empty()) {
      field += '.';
      field += suffix;
    }
    return field;
  }
};

// A host as the compiler indexes it: 'e' + exact host, 'w' + wildcard parent ("*.a.com" ->
// "wa.com"), or "a" for the rules without host. Empty: the host is invalid.
std::string HostKey(const std::string& lowered) {
  if (lowered.empty()) return "a";
  if (lowered.size() > 2 && lowered.compare(0, 2, "*.") == 0 &&
      lowered.find('*', 1) == std::string::npos) {
    return "w" + lowered.substr(2);
  }
  if (lowered.find('*') == std::string::npos) return "e" + lowered;
  return "";
}

// A path as served, or empty when it is skipped ("must be an absolute path").
std::string_view ServedPath(const model::HTTPIngressPath& path) {
  std::string_view text = path.path;
  if (path.path_type == model::PathType::kImplementationSpecific && text.empty()) text = "/";
  if (text.empty() || text.front() != '/') return {};
  return text;
}

std::string ObjectName(const model::Ingress& ingress) {
  return "Ingress " + Key(ingress.meta.namespace_, ingress.meta.name);
}

model::Diagnostic MakeDiagnostic(const model::Ingress& ingress, ErrorCode code,
                                 std::string message, std::string field) {
  return model::Diagnostic{ingress.origin, ObjectName(ingress),
                           MakeError(code, std::move(message), std::move(field))};
}

// What one Ingress contributes, computed from it alone (plus the gateway-wide settings).
struct IngressUnit {
  std::shared_ptr<const model::Ingress> ingress;
  bool served = false;  // class and scope match, annotations valid
  RouteSettings settings;
  std::vector<std::string> hosts;     // host keys named, distinct
  std::vector<std::string> services;  // "namespace/name" named, distinct
  std::vector<model::Diagnostic> diagnostics;
};

// One Backend slot: the key's current Backend, how many HostBlocks use it, and the problems
// its endpoint objects had.
struct Slot {
  std::string key;
  std::string service;  // "namespace/name"
  std::string namespace_;
  model::IngressServiceBackend ref;  // the port as the first Ingress named it
  std::shared_ptr<const Backend> backend;
  uint32_t refs = 0;
  uint64_t built_in = 0;  // compile generation that built `backend`
  std::vector<model::Diagnostic> diagnostics;
};

}  // namespace

class RouteCompiler::Impl {
 public:
  explicit Impl(CompileOptions options) : options_(std::move(options)) {}

  CompileOptions options_;

  // ---- inputs ----
  std::map<ObjectId, std::shared_ptr<const model::Ingress>> ingresses_;
  std::unordered_map<std::string, std::shared_ptr<const model::Service>> services_;
  std::unordered_map<std::string, std::shared_ptr<const model::Endpoints>> endpoints_;
  std::unordered_map<std::string, std::shared_ptr<const model::EndpointSlice>> slices_;
  // "namespace/service" -> slices labelled with it, by slice key (sorted, so order is stable).
  std::unordered_map<std::string, std::map<std::string, const model::EndpointSlice*>>
      slices_by_service_;
  std::map<std::string, std::shared_ptr<const model::IngressClass>> classes_;
  std::map<ObjectId, std::shared_ptr<const model::Gateway>> gateways_;

  // ---- changes since the last compile ----
  bool everything_dirty_ = true;
  // A Gateway changed: everything is recompiled only if the targeted gateway's scope or
  // settings did (a status write, a type switch or another gateway changes nothing here).
  bool gateways_dirty_ = false;
  std::set<ObjectId> dirty_ingresses_;
  std::set<std::string> dirty_services_;   // Service objects changed
  std::set<std::string> dirty_endpoints_;  // endpoints of "namespace/service" changed

  // ---- derived state of the last compile ----
  uint64_t generation_ = 0;
  bool compiled_ = false;
  GatewaySettings gateway_settings_;
  RouteSettings defaults_;
  std::string scope_namespace_;
  std::unique_ptr<internal::IngressClassFilter> class_filter_;
  std::vector<model::Diagnostic> gateway_diagnostics_;
  // What the gateway-wide state was computed from (see TargetChanged).
  struct AppliedTarget {
    std::string key;  // "ns/name", "" when no Gateway object is the target
    std::string scope_namespace;
    model::StringMap config;
    friend bool operator==(const AppliedTarget&, const AppliedTarget&) = default;
  } applied_target_;

  std::map<ObjectId, IngressUnit> units_;
  std::shared_ptr<const std::vector<TlsBinding>> tls_bindings_ =
      std::make_shared<std::vector<TlsBinding>>();
  bool tls_changed_ = false;
  void RebuildTlsBindings();
  std::unordered_map<std::string, std::set<ObjectId>> host_index_;     // served units by host key
  std::unordered_map<std::string, std::set<ObjectId>> service_index_;  // units by service named
  std::set<ObjectId> with_default_;  // served units with a defaultBackend
  ObjectId catch_all_source_;
  const model::Ingress* catch_all_object_ = nullptr;

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::unordered_map<std::string, uint32_t> slot_by_key_;
  std::unordered_map<std::string, std::set<uint32_t>> slots_by_service_;

  HostTable table_;
  size_t path_routes_ = 0;
  size_t published_route_count_ = 0;
  size_t backend_count_ = 0;
  size_t diagnostic_count_ = 0;


  void MarkIngress(const model::Ingress& ingress) {
    dirty_ingresses_.emplace(ingress.meta.namespace_, ingress.meta.name);
  }

  void RemoveSlice(const std::string& key) {
    auto it = slices_.find(key);
    if (it == slices_.end()) return;
    auto label = it->second->meta.labels.find(internal::kServiceNameLabel);
    if (label != it->second->meta.labels.end()) {
      std::string service = Key(it->second->meta.namespace_, label->second);
      auto group = slices_by_service_.find(service);
      if (group != slices_by_service_.end()) {
        group->second.erase(key);
        if (group->second.empty()) slices_by_service_.erase(group);
      }
      dirty_endpoints_.insert(std::move(service));
    }
    slices_.erase(it);
  }

  // ---- compile ----

  std::shared_ptr<const RouteTable> Compile(std::vector<model::Diagnostic>& diagnostics);
  void ResetGatewayWide(std::vector<model::Diagnostic>& diagnostics);
  AppliedTarget CurrentTarget() const;
  void RecomputeUnit(const ObjectId& id, std::set<std::string>& dirty_hosts,
                     std::vector<model::Diagnostic>& diagnostics);
  IngressUnit MakeUnit(std::shared_ptr<const model::Ingress> ingress) const;
  BlockPtr BuildBlock(const std::string& host_key, std::vector<model::Diagnostic>& diagnostics);
  BlockPtr BuildCatchAll();
  // Returns the Route; resolution problems are reported only when `report` (a defaultBackend's
  // are reported once, with its Ingress, not once per host).
  Route& NewRoute(HostBlock& block, const model::Ingress& ingress, const RouteSettings& settings,
                  const std::string& host, std::string path, model::PathType type,
                  const model::IngressBackend& backend, Where where, bool report);
  Result<uint32_t> AcquireSlot(HostBlock& block, const std::string& namespace_,
                               const model::IngressServiceBackend& ref);
  void ReleaseSlots(const HostBlock& block);
  void BuildSlotBackend(Slot& slot, const std::string& namespace_,
                        const model::IngressServiceBackend& ref, const model::ServicePort& port,
                        std::vector<model::Diagnostic>& diagnostics);
  void RebuildSlot(uint32_t index, std::vector<model::Diagnostic>& diagnostics);
  internal::EndpointSources SourcesOf(const std::string& service_key) const;
  const HostBlock* CurrentBlock(const std::string& host_key) const;

  std::unordered_set<const void*> reported_;  // endpoint objects reported, this compile
  std::vector<model::Diagnostic> pending_slot_diagnostics_;  // of slots created this compile
  // AcquireSlot's answer for the block being built (valid while that block is being built).
  const HostBlock* last_block_ = nullptr;
  const model::IngressServiceBackend* last_ref_ = nullptr;
  const std::string* last_namespace_ = nullptr;
  uint32_t last_slot_ = 0;
  bool changed_ = false;
};

RouteCompiler::Impl::AppliedTarget RouteCompiler::Impl::CurrentTarget() const {
  std::vector<const model::Gateway*> gateways;
  for (const auto& [_, gateway] : gateways_) gateways.push_back(gateway.get());
  internal::GatewayTarget target = internal::ResolveGateway(gateways, options_.gateway);
  AppliedTarget applied;
  applied.scope_namespace = target.scope_namespace;
  if (target.object != nullptr) {
    applied.key = Key(target.namespace_, target.name);
    applied.config = target.object->controller.config;
  }
  return applied;
}

void RouteCompiler::Impl::ResetGatewayWide(std::vector<model::Diagnostic>& diagnostics) {
  std::vector<const model::Gateway*> gateways;
  for (const auto& [_, gateway] : gateways_) gateways.push_back(gateway.get());
  internal::GatewayTarget target = internal::ResolveGateway(gateways, options_.gateway);
  applied_target_ = CurrentTarget();
  scope_namespace_ = target.scope_namespace;
  gateway_settings_ = GatewaySettings{};
  gateway_diagnostics_.clear();
  if (target.object != nullptr) {
    // Key by key, so one bad value keeps only that key at its default.
    for (const auto& [key, value] : target.object->controller.config) {
      Status applied = ApplyGatewaySetting(key, value, gateway_settings_);
      if (!applied) {
        gateway_diagnostics_.push_back(model::Diagnostic{
            target.object->origin, "Gateway " + Key(target.namespace_, target.name),
            applied.error()});
      }
    }
  }
  diagnostics.insert(diagnostics.end(), gateway_diagnostics_.begin(), gateway_diagnostics_.end());
  defaults_ = DefaultRouteSettings(gateway_settings_);
  std::vector<const model::IngressClass*> classes;
  for (const auto& [_, item] : classes_) classes.push_back(item.get());
  class_filter_ = std::make_unique<internal::IngressClassFilter>(classes, options_.ingress_class);
}

IngressUnit RouteCompiler::Impl::MakeUnit(std::shared_ptr<const model::Ingress> object) const {
  IngressUnit unit;
  unit.ingress = std::move(object);
  const model::Ingress& ingress = *unit.ingress;
  if (!scope_namespace_.empty() && ingress.meta.namespace_ != scope_namespace_) return unit;
  if (!class_filter_->Serves(ingress)) return unit;
  Result<RouteSettings> settings = ParseRouteAnnotations(ingress.meta.annotations, defaults_);
  if (!settings) {
    Error error = settings.error();
    error.message += "; Ingress skipped";
    unit.diagnostics.push_back(model::Diagnostic{ingress.origin, ObjectName(ingress), error});
    return unit;
  }
  unit.served = true;
  unit.settings = *settings;

  auto add_service = [&](const model::IngressBackend& backend) {
    if (!backend.service) return;
    std::string key = Key(ingress.meta.namespace_, backend.service->name);
    if (std::find(unit.services.begin(), unit.services.end(), key) == unit.services.end()) {
      unit.services.push_back(std::move(key));
    }
  };
  if (ingress.default_backend) {
    const model::IngressBackend& backend = *ingress.default_backend;
    add_service(backend);
    // Reported here, once per Ingress; the hosts that fall back to it resolve it silently.
    if (backend.service) {
      auto service = services_.find(Key(ingress.meta.namespace_, backend.service->name));
      auto port = internal::FindServicePort(
          service != services_.end() ? service->second.get() : nullptr, ingress.meta.namespace_,
          *backend.service);
      if (!port) {
        unit.diagnostics.push_back(
            MakeDiagnostic(ingress, port.error().code, port.error().message + "; requests get 503",
                           Where{}.Field("backend." + port.error().field)));
      }
    } else {
      unit.diagnostics.push_back(MakeDiagnostic(
          ingress, ErrorCode::kUnsupported, "only service backends are served; requests get 503",
          Where{}.Field("backend.resource")));
    }
  }
  for (size_t i = 0; i < ingress.rules.size(); ++i) {
    const model::IngressRule& rule = ingress.rules[i];
    std::string host_key = HostKey(Lower(rule.host));
    if (host_key.empty()) {
      unit.diagnostics.push_back(MakeDiagnostic(
          ingress, ErrorCode::kInvalid,
          "a wildcard host must be \"*.\" followed by a domain; rule skipped",
          Where{static_cast<int>(i)}.Field("host")));
      continue;
    }
    for (size_t j = 0; j < rule.paths.size(); ++j) {
      add_service(rule.paths[j].backend);
      if (ServedPath(rule.paths[j]).empty()) {
        unit.diagnostics.push_back(
            MakeDiagnostic(ingress, ErrorCode::kInvalid, "must be an absolute path; path skipped",
                           Where{static_cast<int>(i), static_cast<int>(j)}.Field("path")));
      }
    }
    if (std::find(unit.hosts.begin(), unit.hosts.end(), host_key) == unit.hosts.end()) {
      unit.hosts.push_back(std::move(host_key));
    }
  }
  return unit;
}

void RouteCompiler::Impl::RecomputeUnit(const ObjectId& id, std::set<std::string>& dirty_hosts,
                                        std::vector<model::Diagnostic>& diagnostics) {
  if (auto old = units_.find(id); old != units_.end()) {
    const IngressUnit& unit = old->second;
    diagnostic_count_ -= unit.diagnostics.size();
    for (const std::string& service : unit.services) {
      auto it = service_index_.find(service);
      if (it == service_index_.end()) continue;
      it->second.erase(id);
      if (it->second.empty()) service_index_.erase(it);
    }
    if (unit.served) {
      for (const std::string& host : unit.hosts) {
        dirty_hosts.insert(host);
        auto it = host_index_.find(host);
        if (it == host_index_.end()) continue;
        it->second.erase(id);
        if (it->second.empty()) host_index_.erase(it);
      }
    }
    with_default_.erase(id);
    units_.erase(old);
  }
  auto input = ingresses_.find(id);
  if (input == ingresses_.end()) return;
  IngressUnit unit = MakeUnit(input->second);
  diagnostic_count_ += unit.diagnostics.size();
  diagnostics.insert(diagnostics.end(), unit.diagnostics.begin(), unit.diagnostics.end());
  // A Service's appearance or change may change what this Ingress resolves or reports.
  for (const std::string& service : unit.services) service_index_[service].insert(id);
  if (unit.served) {
    for (const std::string& host : unit.hosts) {
      dirty_hosts.insert(host);
      host_index_[host].insert(id);
    }
    if (unit.ingress->default_backend) with_default_.insert(id);
  }
  units_.emplace(id, std::move(unit));
}

internal::EndpointSources RouteCompiler::Impl::SourcesOf(const std::string& service_key) const {
  internal::EndpointSources sources;
  if (auto group = slices_by_service_.find(service_key); group != slices_by_service_.end()) {
    for (const auto& [_, slice] : group->second) sources.slices.push_back(slice);
  }
  if (auto eps = endpoints_.find(service_key); eps != endpoints_.end()) {
    sources.endpoints = eps->second.get();
  }
  return sources;
}

void RouteCompiler::Impl::BuildSlotBackend(Slot& slot, const std::string& namespace_,
                                           const model::IngressServiceBackend& ref,
                                           const model::ServicePort& port,
                                           std::vector<model::Diagnostic>& diagnostics) {
  diagnostic_count_ -= slot.diagnostics.size();
  slot.diagnostics.clear();
  std::unique_ptr<Backend> backend =
      internal::BuildBackend(namespace_, ref, port, SourcesOf(slot.service), slot.diagnostics,
                             reported_);
  backend->index = static_cast<uint32_t>(&slot - slots_.data());
  slot.backend = std::move(backend);
  slot.built_in = generation_;
  diagnostic_count_ += slot.diagnostics.size();
  diagnostics.insert(diagnostics.end(), slot.diagnostics.begin(), slot.diagnostics.end());
  changed_ = true;
}

Result<uint32_t> RouteCompiler::Impl::AcquireSlot(HostBlock& block, const std::string& namespace_,
                                                  const model::IngressServiceBackend& ref) {
  // Paths of one host usually name the same Service port: reuse the answer for the last one.
  if (last_block_ == &block && last_ref_->name == ref.name &&
      last_ref_->port.name == ref.port.name && last_ref_->port.number == ref.port.number &&
      *last_namespace_ == namespace_) {
    return last_slot_;
  }
  std::string service_key = Key(namespace_, ref.name);
  auto service = services_.find(service_key);
  auto port = internal::FindServicePort(
      service != services_.end() ? service->second.get() : nullptr, namespace_, ref);
  if (!port) return port.error();

  std::string key = internal::BackendKey(namespace_, ref);
  uint32_t index;
  if (auto it = slot_by_key_.find(key); it != slot_by_key_.end()) {
    index = it->second;
  } else {
    if (!free_slots_.empty()) {
      index = free_slots_.back();
      free_slots_.pop_back();
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    slot.key = key;
    slot.service = service_key;
    slot.namespace_ = namespace_;
    slot.ref = ref;
    slot_by_key_.emplace(std::move(key), index);
    slots_by_service_[service_key].insert(index);
    ++backend_count_;
    BuildSlotBackend(slot, namespace_, ref, **port, pending_slot_diagnostics_);
  }
  if (std::find(block.slots.begin(), block.slots.end(), index) == block.slots.end()) {
    block.slots.push_back(index);
    ++slots_[index].refs;
  }
  last_block_ = &block;
  last_ref_ = &ref;
  last_namespace_ = &namespace_;
  last_slot_ = index;
  return index;
}

void RouteCompiler::Impl::ReleaseSlots(const HostBlock& block) {
  for (uint32_t index : block.slots) {
    Slot& slot = slots_[index];
    if (--slot.refs > 0) continue;
    diagnostic_count_ -= slot.diagnostics.size();
    slot_by_key_.erase(slot.key);
    if (auto it = slots_by_service_.find(slot.service); it != slots_by_service_.end()) {
      it->second.erase(index);
      if (it->second.empty()) slots_by_service_.erase(it);
    }
    slot = Slot{};
    free_slots_.push_back(index);
    --backend_count_;
    changed_ = true;
  }
}

void RouteCompiler::Impl::RebuildSlot(uint32_t index,
                                      std::vector<model::Diagnostic>& diagnostics) {
  Slot& slot = slots_[index];
  if (slot.refs == 0 || slot.built_in == generation_) return;
  // The Service still has the port: otherwise its hosts were rebuilt and released the slot.
  auto service = services_.find(slot.service);
  auto port = internal::FindServicePort(
      service != services_.end() ? service->second.get() : nullptr, slot.namespace_, slot.ref);
  if (!port) return;
  BuildSlotBackend(slot, slot.namespace_, slot.ref, **port, diagnostics);
}

Route& RouteCompiler::Impl::NewRoute(HostBlock& block, const model::Ingress& ingress,
                                     const RouteSettings& settings, const std::string& host,
                                     std::string path, model::PathType type,
                                     const model::IngressBackend& backend, Where where,
                                     bool report) {
  Route& route = block.routes.emplace_back();
  route.ingress_namespace = ingress.meta.namespace_;
  route.ingress_name = ingress.meta.name;
  route.host = host;
  route.path = std::move(path);
  route.path_type = type;
  route.settings = settings;
  if (backend.service.has_value()) {
    route.service = backend.service->name;
    auto slot = AcquireSlot(block, ingress.meta.namespace_, *backend.service);
    if (slot) {
      route.backend_slot = *slot;
    } else if (report) {
      const Error& error = slot.error();
      block.diagnostics.push_back(MakeDiagnostic(ingress, error.code,
                                                 error.message + "; requests get 503",
                                                 where.Field("backend." + error.field)));
    }
  } else if (report) {
    block.diagnostics.push_back(MakeDiagnostic(ingress, ErrorCode::kUnsupported,
                                               "only service backends are served; requests get 503",
                                               where.Field("backend.resource")));
  }
  return route;
}

BlockPtr RouteCompiler::Impl::BuildBlock(const std::string& host_key,
                                         std::vector<model::Diagnostic>& diagnostics) {
  auto ids = host_index_.find(host_key);
  if (ids == host_index_.end()) return nullptr;
  auto block = std::make_shared<HostBlock>();
  const bool any_host = host_key == "a";
  size_t most_routes = 0;  // an upper bound: Routes must never move once PathRules point at them
  for (const ObjectId& id : ids->second) {
    const model::Ingress& ingress = *units_.at(id).ingress;
    most_routes += 1;  // the host's defaultBackend
    for (const model::IngressRule& rule : ingress.rules) most_routes += rule.paths.size();
  }
  block->routes.reserve(most_routes);
  last_block_ = nullptr;  // a new block may reuse the address of a freed one
  // "type normalised-path" -> the Ingress that claimed it first (Prefix "/foo" == "/foo/").
  std::unordered_map<std::string, const model::Ingress*> owners;
  std::string owner_key;
  for (const ObjectId& id : ids->second) {
    const IngressUnit& unit = units_.at(id);
    const model::Ingress& ingress = *unit.ingress;
    for (size_t i = 0; i < ingress.rules.size(); ++i) {
      const model::IngressRule& rule = ingress.rules[i];
      if (HostKey(Lower(rule.host)) != host_key) continue;
      if (!any_host && block->entry.default_route == nullptr && ingress.default_backend) {
        block->entry.default_route =
            &NewRoute(*block, ingress, unit.settings, "", "/", model::PathType::kPrefix,
                      *ingress.default_backend, Where{}, /*report=*/false);
      }
      for (size_t j = 0; j < rule.paths.size(); ++j) {
        const model::HTTPIngressPath& path = rule.paths[j];
        std::string_view text = ServedPath(path);
        if (text.empty()) continue;  // reported with the Ingress
        const Where where{static_cast<int>(i), static_cast<int>(j)};
        internal::PathRule rule_match = internal::MakePathRule(text, path.path_type, nullptr);
        owner_key.assign(PathTypeName(path.path_type));
        owner_key += ' ';
        owner_key += rule_match.match;
        auto [owner, inserted] = owners.try_emplace(owner_key, &ingress);
        if (!inserted) {
          block->diagnostics.push_back(MakeDiagnostic(
              ingress, ErrorCode::kConflict,
              "host \"" + rule.host + "\" path \"" + path.path + "\" (" +
                  PathTypeName(path.path_type) + ") is already served by " +
                  ObjectName(*owner->second) + "; path skipped",
              where.Field("")));
          continue;
        }
        rule_match.route = &NewRoute(*block, ingress, unit.settings, rule.host, std::string(text),
                                     path.path_type, path.backend, where, /*report=*/true);
        block->entry.paths.push_back(std::move(rule_match));
        ++block->path_routes;
      }
    }
  }
  if (!any_host) {
    // ingress-nginx decides per server: the host has TLS when any served Ingress of the host
    // lists it in spec.tls (an entry without hosts covers that Ingress's own rule hosts).
    bool has_tls = false;
    for (const ObjectId& id : ids->second) {
      const model::Ingress& ingress = *units_.at(id).ingress;
      for (const model::IngressTLS& tls : ingress.tls) {
        if (tls.hosts.empty()) has_tls = true;
        for (const std::string& host : tls.hosts) {
          if (HostKey(Lower(host)) == host_key) has_tls = true;
        }
      }
    }
    for (Route& route : block->routes) route.settings.host_has_tls = has_tls;
  }
  block->entry.SortPaths();
  diagnostic_count_ += block->diagnostics.size();
  diagnostics.insert(diagnostics.end(), block->diagnostics.begin(), block->diagnostics.end());
  return block;
}

void RouteCompiler::Impl::RebuildTlsBindings() {
  // Cheap next to the blocks (a walk over the served Ingresses' spec.tls): the list is shared
  // with the previous table when it did not change, so the data plane can tell by pointer.
  auto bindings = std::make_shared<std::vector<TlsBinding>>();
  for (const auto& [id, unit] : units_) {
    if (!unit.served) continue;
    const model::Ingress& ingress = *unit.ingress;
    for (const model::IngressTLS& tls : ingress.tls) {
      auto add = [&](const std::string& host) {
        if (host.empty()) return;
        bindings->push_back(
            {Lower(host), ingress.meta.namespace_, ingress.meta.name, tls.secret_name});
      };
      if (tls.hosts.empty()) {
        for (const model::IngressRule& rule : ingress.rules) add(rule.host);
      }
      for (const std::string& host : tls.hosts) add(host);
    }
  }
  if (tls_bindings_ != nullptr && *tls_bindings_ == *bindings) return;
  tls_bindings_ = std::move(bindings);
  tls_changed_ = true;
}

BlockPtr RouteCompiler::Impl::BuildCatchAll() {
  if (with_default_.empty()) return nullptr;
  const IngressUnit& unit = units_.at(*with_default_.begin());
  auto block = std::make_shared<HostBlock>();
  block->routes.reserve(1);
  last_block_ = nullptr;
  NewRoute(*block, *unit.ingress, unit.settings, "", "/", model::PathType::kPrefix,
           *unit.ingress->default_backend, Where{}, /*report=*/false);
  return block;
}

const HostBlock* RouteCompiler::Impl::CurrentBlock(const std::string& host_key) const {
  switch (host_key.front()) {
    case 'e':
      return table_.exact.Find(std::string_view(host_key).substr(1));
    case 'w':
      return table_.wildcard.Find(std::string_view(host_key).substr(1));
    default:
      return table_.any_host.get();
  }
}

std::shared_ptr<const RouteTable> RouteCompiler::Impl::Compile(
    std::vector<model::Diagnostic>& diagnostics) {
  ++generation_;
  changed_ = !compiled_;
  reported_.clear();
  if (gateways_dirty_ && !everything_dirty_ && !(CurrentTarget() == applied_target_)) {
    everything_dirty_ = true;
  }
  gateways_dirty_ = false;
  if (everything_dirty_) {
    diagnostic_count_ -= gateway_diagnostics_.size();
    ResetGatewayWide(diagnostics);
    diagnostic_count_ += gateway_diagnostics_.size();
    for (const auto& [id, _] : units_) dirty_ingresses_.insert(id);
    for (const auto& [id, _] : ingresses_) dirty_ingresses_.insert(id);
    for (const auto& [service, _] : slots_by_service_) dirty_endpoints_.insert(service);
    changed_ = true;
  }
  // A Service appearing, disappearing or changing its ports changes what its Ingresses resolve.
  for (const std::string& service : dirty_services_) {
    if (auto it = service_index_.find(service); it != service_index_.end()) {
      dirty_ingresses_.insert(it->second.begin(), it->second.end());
    }
    dirty_endpoints_.insert(service);
  }

  const ObjectId first_default_before =
      with_default_.empty() ? ObjectId{} : *with_default_.begin();
  std::set<std::string> dirty_hosts;
  for (const ObjectId& id : dirty_ingresses_) RecomputeUnit(id, dirty_hosts, diagnostics);

  // Rebuild each host touched; the old block's slot references are released only after the
  // new one took its own, so a Backend still in use keeps its slot (and balancer state).
  {
    ShardedHostMap::Editor exact(table_.exact);
    ShardedHostMap::Editor wildcard(table_.wildcard);
    for (const std::string& host_key : dirty_hosts) {
      BlockPtr block = BuildBlock(host_key, diagnostics);
      const HostBlock* old = CurrentBlock(host_key);
      if (old != nullptr) {
        diagnostic_count_ -= old->diagnostics.size();
        path_routes_ -= old->path_routes;
        ReleaseSlots(*old);
      }
      if (block) path_routes_ += block->path_routes;
      if (old != nullptr || block) changed_ = true;
      switch (host_key.front()) {
        case 'e':
          exact.Set(host_key.substr(1), std::move(block));
          break;
        case 'w':
          wildcard.Set(host_key.substr(1), std::move(block));
          break;
        default:
          table_.any_host = std::move(block);
      }
    }
  }
  const ObjectId first_default =
      with_default_.empty() ? ObjectId{} : *with_default_.begin();
  const model::Ingress* first_object =
      with_default_.empty() ? nullptr : units_.at(first_default).ingress.get();
  if (first_default != first_default_before || first_object != catch_all_object_ ||
      dirty_ingresses_.count(first_default) != 0) {
    BlockPtr block = BuildCatchAll();
    if (table_.catch_all) ReleaseSlots(*table_.catch_all);
    table_.catch_all = std::move(block);
    catch_all_object_ = first_object;
    changed_ = true;
  }

  for (const std::string& service : dirty_endpoints_) {
    auto it = slots_by_service_.find(service);
    if (it == slots_by_service_.end()) continue;
    for (uint32_t index : it->second) RebuildSlot(index, diagnostics);
  }
  diagnostics.insert(diagnostics.end(), pending_slot_diagnostics_.begin(),
                     pending_slot_diagnostics_.end());
  pending_slot_diagnostics_.clear();

  if (!dirty_ingresses_.empty()) RebuildTlsBindings();

  everything_dirty_ = false;
  dirty_ingresses_.clear();
  dirty_services_.clear();
  dirty_endpoints_.clear();
  // The count is reported with the table, so a defaultBackend that serves no request yet (not
  // the first one) still makes a new table.
  const size_t route_count = path_routes_ + with_default_.size();
  if (!changed_ && route_count == published_route_count_ && !tls_changed_) return nullptr;
  tls_changed_ = false;
  compiled_ = true;
  published_route_count_ = route_count;

  std::shared_ptr<RouteTable> table(new RouteTable());
  auto impl = std::make_shared<RouteTable::Impl>();
  static_cast<HostTable&>(*impl) = table_;  // shares every shard and block
  table->impl_ = std::move(impl);
  table->gateway_settings_ = gateway_settings_;
  table->scope_namespace_ = scope_namespace_;
  table->backends_.reserve(slots_.size());
  for (const Slot& slot : slots_) table->backends_.push_back(slot.backend);
  table->backend_count_ = backend_count_;
  table->route_count_ = route_count;
  table->tls_bindings_ = tls_bindings_;
  return table;
}

// ---- RouteCompiler ----

RouteCompiler::RouteCompiler(CompileOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
RouteCompiler::~RouteCompiler() = default;

void RouteCompiler::Upsert(std::shared_ptr<const model::Ingress> ingress) {
  ObjectId id{ingress->meta.namespace_, ingress->meta.name};
  impl_->dirty_ingresses_.insert(id);
  impl_->ingresses_[std::move(id)] = std::move(ingress);
}

void RouteCompiler::Upsert(std::shared_ptr<const model::Service> service) {
  std::string key = Key(service->meta.namespace_, service->meta.name);
  impl_->dirty_services_.insert(key);
  impl_->services_[std::move(key)] = std::move(service);
}

void RouteCompiler::Upsert(std::shared_ptr<const model::Endpoints> endpoints) {
  std::string key = Key(endpoints->meta.namespace_, endpoints->meta.name);
  impl_->dirty_endpoints_.insert(key);
  impl_->endpoints_[std::move(key)] = std::move(endpoints);
}

void RouteCompiler::Upsert(std::shared_ptr<const model::EndpointSlice> slice) {
  std::string key = Key(slice->meta.namespace_, slice->meta.name);
  impl_->RemoveSlice(key);
  auto label = slice->meta.labels.find(internal::kServiceNameLabel);
  if (label != slice->meta.labels.end()) {
    std::string service = Key(slice->meta.namespace_, label->second);
    impl_->slices_by_service_[service][key] = slice.get();
    impl_->dirty_endpoints_.insert(std::move(service));
  }
  impl_->slices_[std::move(key)] = std::move(slice);
}

void RouteCompiler::Upsert(std::shared_ptr<const model::IngressClass> ingress_class) {
  impl_->everything_dirty_ = true;
  std::string name = ingress_class->meta.name;
  impl_->classes_[std::move(name)] = std::move(ingress_class);
}

void RouteCompiler::Upsert(std::shared_ptr<const model::Gateway> gateway) {
  impl_->gateways_dirty_ = true;
  ObjectId id{gateway->meta.namespace_, gateway->meta.name};
  impl_->gateways_[std::move(id)] = std::move(gateway);
}

void RouteCompiler::Remove(Kind kind, const std::string& namespace_, const std::string& name) {
  const std::string key = Key(namespace_, name);
  switch (kind) {
    case Kind::kIngress:
      if (impl_->ingresses_.erase(ObjectId{namespace_, name}) > 0) {
        impl_->dirty_ingresses_.emplace(namespace_, name);
      }
      break;
    case Kind::kService:
      if (impl_->services_.erase(key) > 0) impl_->dirty_services_.insert(key);
      break;
    case Kind::kEndpoints:
      if (impl_->endpoints_.erase(key) > 0) impl_->dirty_endpoints_.insert(key);
      break;
    case Kind::kEndpointSlice:
      impl_->RemoveSlice(key);
      break;
    case Kind::kIngressClass:
      if (impl_->classes_.erase(name) > 0) impl_->everything_dirty_ = true;
      break;
    case Kind::kGateway:
      if (impl_->gateways_.erase(ObjectId{namespace_, name}) > 0) {
        impl_->gateways_dirty_ = true;
      }
      break;
  }
}

std::shared_ptr<const RouteTable> RouteCompiler::Compile(
    std::vector<model::Diagnostic>& diagnostics) {
  return impl_->Compile(diagnostics);
}

size_t RouteCompiler::ingress_count() const { return impl_->ingresses_.size(); }
size_t RouteCompiler::diagnostic_count() const { return impl_->diagnostic_count_; }

}  // namespace waygate::route

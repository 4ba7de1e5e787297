#include "route/compiler.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "annotations/parse.h"
#include "auth/htpasswd.h"
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

std::string AnnotationField(std::string_view key) {
  return "metadata.annotations[" + std::string(annotations::kPrefix) + std::string(key) + "]";
}

// What one Ingress contributes, computed from it alone (plus the gateway-wide settings and the
// Services and Secrets it names).
struct IngressUnit {
  std::shared_ptr<const model::Ingress> ingress;
  bool served = false;  // class and scope match, annotations valid
  // canary: "true": its paths attach to the main Ingress's Routes of the same host and path
  // instead of making Routes of their own.
  bool canary = false;
  RouteSettings settings;
  // Null when the Ingress has none of the annotations policy.h covers; auth.credentials
  // filled from the Secret here.
  std::shared_ptr<const annotations::Policy> policy;
  // default-backend annotation: the Service's first port (as ingress-nginx picks it); unset
  // when the annotation is absent or the Service cannot be used (reported).
  std::optional<model::IngressServiceBackend> default_backend_ref;
  std::vector<std::string> hosts;     // host keys named, distinct
  std::vector<std::string> services;  // "namespace/name" named, distinct
  std::vector<std::string> secrets;   // "namespace/name" of the auth-secret, if any
  std::vector<model::Diagnostic> diagnostics;

  bool Derives() const {  // server-alias or from-to-www-redirect: hosts beyond its own
    return served && !canary && policy != nullptr &&
           (!policy->paths.server_alias.empty() || policy->redirect.from_to_www);
  }
};

// A host served only because of another host's annotations: a server-alias (the very block of
// the host it aliases) or the other name of a from-to-www-redirect (a block holding one
// redirect Route).
struct Derived {
  enum class Kind { kAlias, kWww } kind = Kind::kAlias;
  std::string target;  // host key of the declared host
  ObjectId source;     // the Ingress whose annotation asked for it
  BlockPtr block;      // what the table holds under this host key
};

// Where a path of a host block came from (duplicate detection, canary attachment).
struct PathOwner {
  const model::Ingress* ingress = nullptr;
  Route* route = nullptr;
  const model::IngressBackend* backend = nullptr;
};

// One Backend slot: the key's current Backend, how many HostBlocks use it, and the problems
// its endpoint objects had.
struct Slot {
  std::string key;
  std::string service;  // "namespace/name"
  std::string namespace_;
  model::IngressServiceBackend ref;  // the port as the first Ingress named it
  bool cluster_ip = false;           // service-upstream: the Service's ClusterIP, not endpoints
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
  std::unordered_map<std::string, std::shared_ptr<const model::Secret>> secrets_;
  // Credentials built from a Secret, shared by every Ingress naming it with the same
  // auth-secret-type (one Htpasswd, one verification cache); dropped when the Secret changes.
  struct Credentials {
    std::shared_ptr<const auth::Htpasswd> htpasswd;  // null: unusable, see error
    Error error;
  };
  mutable std::unordered_map<std::string, Credentials> credentials_;

  // ---- changes since the last compile ----
  bool everything_dirty_ = true;
  // A Gateway changed: everything is recompiled only if the targeted gateway's scope or
  // settings did (a status write, a type switch or another gateway changes nothing here).
  bool gateways_dirty_ = false;
  std::set<ObjectId> dirty_ingresses_;
  std::set<std::string> dirty_services_;   // Service objects changed
  std::set<std::string> dirty_endpoints_;  // endpoints of "namespace/service" changed
  std::set<std::string> dirty_secrets_;    // Secret objects changed

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
  std::unordered_map<std::string, std::set<ObjectId>> canary_index_;   // served canaries by host
  std::unordered_map<std::string, std::set<ObjectId>> secret_index_;   // units by secret named
  // Canaries of a host that attach nowhere: kept by host key (a host with canaries only has
  // no block to hold them), replaced whenever the host is rebuilt.
  std::unordered_map<std::string, std::vector<model::Diagnostic>> canary_diagnostics_;
  std::set<ObjectId> derived_units_;        // served units with Derives()
  std::map<std::string, Derived> derived_;  // host key -> alias / www entry in the table
  std::vector<model::Diagnostic> derived_diagnostics_;
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
  // The parts of MakeUnit that read the Policy: credentials, default-backend, the hosts and
  // Services it adds.
  void ApplyPolicy(IngressUnit& unit, annotations::Policy& policy) const;
  const Credentials& CredentialsFor(const annotations::AuthPolicy& auth) const;
  BlockPtr BuildBlock(const std::string& host_key, std::vector<model::Diagnostic>& diagnostics);
  bool HostUsesRegex(const std::string& host_key, const std::set<ObjectId>& ids) const;
  // Attaches the host's canaries to `block`'s Routes (null: the host has no main Ingress) and
  // replaces the host's canary diagnostics.
  void AttachCanaries(const std::string& host_key, HostBlock* block,
                      const std::unordered_map<std::string, PathOwner>& owners,
                      std::vector<model::Diagnostic>& diagnostics);
  // Recomputes the alias and www-redirect hosts from the served Ingresses and updates the
  // table entries that changed (or whose declared host was rebuilt).
  void UpdateDerived(const std::set<std::string>& dirty_hosts, ShardedHostMap::Editor& exact,
                     ShardedHostMap::Editor& wildcard, std::vector<model::Diagnostic>& diagnostics);
  BlockPtr BuildWwwRedirect(const std::string& key, const Derived& derived);
  BlockPtr BlockOf(const std::string& host_key) const;
  BlockPtr BuildCatchAll();
  // Returns the Route; resolution problems are reported only when `report` (a defaultBackend's
  // are reported once, with its Ingress, not once per host).
  Route& NewRoute(HostBlock& block, const IngressUnit& unit, const std::string& host,
                  std::string path, model::PathType type, const model::IngressBackend& backend,
                  Where where, bool report);
  Result<uint32_t> AcquireSlot(HostBlock& block, const std::string& namespace_,
                               const model::IngressServiceBackend& ref, bool cluster_ip = false);
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
  bool last_cluster_ip_ = false;
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
  Result<annotations::Parsed> parsed =
      annotations::ParseAnnotations(ingress.meta.annotations, ingress.meta.namespace_);
  if (!parsed) {
    Error error = parsed.error();
    error.message += "; Ingress skipped";
    unit.diagnostics.push_back(model::Diagnostic{ingress.origin, ObjectName(ingress), error});
    return unit;
  }
  for (Error& error : parsed->unsupported) {
    error.code = ErrorCode::kUnsupported;
    unit.diagnostics.push_back(
        model::Diagnostic{ingress.origin, ObjectName(ingress), std::move(error)});
  }
  unit.served = true;
  unit.settings = *settings;
  if (parsed->any) {
    auto policy = std::make_shared<annotations::Policy>(std::move(parsed->policy));
    ApplyPolicy(unit, *policy);
    unit.policy = std::move(policy);
  }

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

void RouteCompiler::Impl::ApplyPolicy(IngressUnit& unit, annotations::Policy& policy) const {
  const model::Ingress& ingress = *unit.ingress;
  unit.canary = policy.canary.enabled;
  annotations::AuthPolicy& auth = policy.auth;
  if (auth.type == annotations::AuthPolicy::Type::kBasic) {
    unit.secrets.push_back(Key(auth.secret_namespace, auth.secret_name));
    const Credentials& credentials = CredentialsFor(auth);
    auth.credentials = credentials.htpasswd;
    if (credentials.htpasswd == nullptr) {
      unit.diagnostics.push_back(MakeDiagnostic(ingress, credentials.error.code,
                                                credentials.error.message + "; requests get 503",
                                                AnnotationField("auth-secret")));
    }
  }
  const std::string& fallback = policy.errors.default_backend;
  if (!fallback.empty()) {
    // The parser accepts "name" or "<own namespace>/name".
    const std::string name = fallback.substr(fallback.find('/') + 1);
    std::string key = Key(ingress.meta.namespace_, name);
    auto service = services_.find(key);
    if (std::find(unit.services.begin(), unit.services.end(), key) == unit.services.end()) {
      unit.services.push_back(key);
    }
    if (service == services_.end()) {
      unit.diagnostics.push_back(
          MakeDiagnostic(ingress, ErrorCode::kNotFound,
                         "default-backend service \"" + key + "\" not found; not used",
                         AnnotationField("default-backend")));
    } else if (service->second->ports.empty()) {
      unit.diagnostics.push_back(
          MakeDiagnostic(ingress, ErrorCode::kNotFound,
                         "default-backend service \"" + key + "\" has no port; not used",
                         AnnotationField("default-backend")));
    } else {
      // ingress-nginx sends to the Service's first port.
      unit.default_backend_ref =
          model::IngressServiceBackend{name, {"", service->second->ports.front().port}};
    }
  }
}

const RouteCompiler::Impl::Credentials& RouteCompiler::Impl::CredentialsFor(
    const annotations::AuthPolicy& auth) const {
  const bool map = auth.secret_type == annotations::AuthPolicy::SecretType::kAuthMap;
  const std::string secret_key = Key(auth.secret_namespace, auth.secret_name);
  auto [it, inserted] = credentials_.try_emplace(secret_key + (map ? "#map" : "#file"));
  Credentials& credentials = it->second;
  if (!inserted) return credentials;
  auto secret = secrets_.find(secret_key);
  Result<std::shared_ptr<const auth::Htpasswd>> built =
      MakeError(ErrorCode::kNotFound, "auth-secret \"" + secret_key + "\" not found");
  if (secret == secrets_.end()) {
    // reported below
  } else if (map) {
    built = auth::Htpasswd::FromAuthMap(secret->second->data);
  } else if (auto file = secret->second->data.find("auth"); file != secret->second->data.end()) {
    built = auth::Htpasswd::FromAuthFile(file->second);
  } else {
    built =
        MakeError(ErrorCode::kNotFound, "auth-secret \"" + secret_key + "\" has no key \"auth\"");
  }
  if (built) {
    credentials.htpasswd = std::move(*built);
  } else {
    credentials.error = built.error();
    if (secret != secrets_.end() && built.error().code != ErrorCode::kNotFound) {
      credentials.error.message = "auth-secret \"" + secret_key + "\": " + built.error().message;
    }
  }
  return credentials;
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
    for (const std::string& secret : unit.secrets) {
      auto it = secret_index_.find(secret);
      if (it == secret_index_.end()) continue;
      it->second.erase(id);
      if (it->second.empty()) secret_index_.erase(it);
    }
    if (unit.served) {
      auto& index = unit.canary ? canary_index_ : host_index_;
      for (const std::string& host : unit.hosts) {
        dirty_hosts.insert(host);
        auto it = index.find(host);
        if (it == index.end()) continue;
        it->second.erase(id);
        if (it->second.empty()) index.erase(it);
      }
    }
    with_default_.erase(id);
    derived_units_.erase(id);
    units_.erase(old);
  }
  auto input = ingresses_.find(id);
  if (input == ingresses_.end()) return;
  IngressUnit unit = MakeUnit(input->second);
  diagnostic_count_ += unit.diagnostics.size();
  diagnostics.insert(diagnostics.end(), unit.diagnostics.begin(), unit.diagnostics.end());
  // A Service's appearance or change may change what this Ingress resolves or reports.
  for (const std::string& service : unit.services) service_index_[service].insert(id);
  for (const std::string& secret : unit.secrets) secret_index_[secret].insert(id);
  if (unit.served) {
    auto& index = unit.canary ? canary_index_ : host_index_;
    for (const std::string& host : unit.hosts) {
      dirty_hosts.insert(host);
      index[host].insert(id);
    }
    // A canary's defaultBackend serves nothing: its traffic only ever comes through a main route.
    if (unit.ingress->default_backend && !unit.canary) with_default_.insert(id);
    if (unit.Derives()) derived_units_.insert(id);
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
      slot.cluster_ip
          ? internal::BuildClusterIpBackend(slot.key, namespace_, ref, *services_.at(slot.service),
                                            port, slot.diagnostics)
          : internal::BuildBackend(namespace_, ref, port, SourcesOf(slot.service), slot.diagnostics,
                                   reported_);
  backend->index = static_cast<uint32_t>(&slot - slots_.data());
  slot.backend = std::move(backend);
  slot.built_in = generation_;
  diagnostic_count_ += slot.diagnostics.size();
  diagnostics.insert(diagnostics.end(), slot.diagnostics.begin(), slot.diagnostics.end());
  changed_ = true;
}

Result<uint32_t> RouteCompiler::Impl::AcquireSlot(HostBlock& block, const std::string& namespace_,
                                                  const model::IngressServiceBackend& ref,
                                                  bool cluster_ip) {
  // Paths of one host usually name the same Service port: reuse the answer for the last one.
  if (last_block_ == &block && last_ref_->name == ref.name &&
      last_ref_->port.name == ref.port.name && last_ref_->port.number == ref.port.number &&
      *last_namespace_ == namespace_ && last_cluster_ip_ == cluster_ip) {
    return last_slot_;
  }
  std::string service_key = Key(namespace_, ref.name);
  auto service = services_.find(service_key);
  auto port = internal::FindServicePort(
      service != services_.end() ? service->second.get() : nullptr, namespace_, ref);
  if (!port) return port.error();

  // A separate key, so a service-upstream route never shares the endpoint Backend (and its
  // balancer state) of the same Service port.
  std::string key = internal::BackendKey(namespace_, ref) + (cluster_ip ? "|cluster-ip" : "");
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
    slot.cluster_ip = cluster_ip;
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
  last_cluster_ip_ = cluster_ip;
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

Route& RouteCompiler::Impl::NewRoute(HostBlock& block, const IngressUnit& unit,
                                     const std::string& host, std::string path,
                                     model::PathType type, const model::IngressBackend& backend,
                                     Where where, bool report) {
  const model::Ingress& ingress = *unit.ingress;
  Route& route = block.routes.emplace_back();
  route.ingress_namespace = ingress.meta.namespace_;
  route.ingress_name = ingress.meta.name;
  route.host = host;
  route.path = std::move(path);
  route.path_type = type;
  route.settings = unit.settings;
  route.policy = unit.policy;
  if (unit.default_backend_ref) {
    // Problems were reported with the Ingress; a Service without the port simply has no slot.
    auto slot = AcquireSlot(block, ingress.meta.namespace_, *unit.default_backend_ref);
    if (slot) route.default_backend_slot = *slot;
  }
  if (backend.service.has_value()) {
    route.service = backend.service->name;
    const bool cluster_ip = unit.policy != nullptr && unit.policy->upstream.service_upstream;
    auto slot = AcquireSlot(block, ingress.meta.namespace_, *backend.service, cluster_ip);
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

bool RouteCompiler::Impl::HostUsesRegex(const std::string& host_key,
                                        const std::set<ObjectId>& ids) const {
  // ingress-nginx (enforceRegexModifier): use-regex on any location of the server, or a
  // rewrite-target that differs from its location's path.
  for (const ObjectId& id : ids) {
    const IngressUnit& unit = units_.at(id);
    if (unit.policy == nullptr) continue;
    const annotations::PathPolicy& paths = unit.policy->paths;
    if (paths.use_regex) return true;
    if (!paths.rewrite_target) continue;
    for (const model::IngressRule& rule : unit.ingress->rules) {
      if (HostKey(Lower(rule.host)) != host_key) continue;
      for (const model::HTTPIngressPath& path : rule.paths) {
        std::string_view text = ServedPath(path);
        if (!text.empty() && text != *paths.rewrite_target) return true;
      }
    }
  }
  return false;
}

BlockPtr RouteCompiler::Impl::BuildBlock(const std::string& host_key,
                                         std::vector<model::Diagnostic>& diagnostics) {
  last_block_ = nullptr;  // a new block may reuse the address of a freed one
  // "type normalised-path" -> the Ingress that claimed it first (Prefix "/foo" == "/foo/").
  std::unordered_map<std::string, PathOwner> owners;
  auto ids = host_index_.find(host_key);
  if (ids == host_index_.end()) {
    AttachCanaries(host_key, nullptr, owners, diagnostics);
    return nullptr;
  }
  auto block = std::make_shared<HostBlock>();
  const bool any_host = host_key == "a";
  const bool regex = HostUsesRegex(host_key, ids->second);
  size_t most_routes = 0;  // an upper bound: Routes must never move once PathRules point at them
  for (const ObjectId& id : ids->second) {
    const model::Ingress& ingress = *units_.at(id).ingress;
    most_routes += 1;  // the host's defaultBackend
    for (const model::IngressRule& rule : ingress.rules) most_routes += rule.paths.size();
  }
  // The lookup reads the block and its paths, never the Routes: paths first, so they sit
  // next to the block in memory and the (larger) Routes come after them.
  block->entry.paths.reserve(most_routes);
  block->routes.reserve(most_routes);
  std::string owner_key;
  re2::RE2::Options regex_options;
  regex_options.set_case_sensitive(false);
  regex_options.set_log_errors(false);
  for (const ObjectId& id : ids->second) {
    const IngressUnit& unit = units_.at(id);
    const model::Ingress& ingress = *unit.ingress;
    for (size_t i = 0; i < ingress.rules.size(); ++i) {
      const model::IngressRule& rule = ingress.rules[i];
      if (HostKey(Lower(rule.host)) != host_key) continue;
      if (!any_host && block->entry.default_route == nullptr && ingress.default_backend) {
        block->entry.default_route = &NewRoute(*block, unit, "", "/", model::PathType::kPrefix,
                                               *ingress.default_backend, Where{},
                                               /*report=*/false);
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
        if (auto owner = owners.find(owner_key); owner != owners.end()) {
          block->diagnostics.push_back(
              MakeDiagnostic(ingress, ErrorCode::kConflict,
                             "host \"" + rule.host + "\" path \"" + path.path + "\" (" +
                                 PathTypeName(path.path_type) + ") is already served by " +
                                 ObjectName(*owner->second.ingress) + "; path skipped",
                             where.Field("")));
          continue;
        }
        std::shared_ptr<const re2::RE2> path_regex;
        if (regex) {
          // As ingress-nginx writes the location: `~* "^<path>"` (case-insensitive, anchored
          // at the start only).
          auto compiled = std::make_shared<const re2::RE2>(
              re2::StringPiece("^" + std::string(text)), regex_options);
          if (!compiled->ok()) {
            block->diagnostics.push_back(MakeDiagnostic(
                ingress, ErrorCode::kInvalid,
                "host \"" + rule.host + "\" uses regular expressions (use-regex or " +
                    "rewrite-target) and path \"" + path.path +
                    "\" is not one: " + compiled->error() + "; path skipped",
                where.Field("path")));
            continue;
          }
          path_regex = std::move(compiled);
        }
        Route& route = NewRoute(*block, unit, rule.host, std::string(text), path.path_type,
                                path.backend, where, /*report=*/true);
        route.path_regex = std::move(path_regex);
        owners.emplace(owner_key, PathOwner{&ingress, &route, &path.backend});
        rule_match.route = &route;
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
  AttachCanaries(host_key, block.get(), owners, diagnostics);
  block->entry.regex = regex;
  block->entry.SortPaths();
  diagnostic_count_ += block->diagnostics.size();
  diagnostics.insert(diagnostics.end(), block->diagnostics.begin(), block->diagnostics.end());
  return block;
}

void RouteCompiler::Impl::AttachCanaries(const std::string& host_key, HostBlock* block,
                                         const std::unordered_map<std::string, PathOwner>& owners,
                                         std::vector<model::Diagnostic>& diagnostics) {
  std::vector<model::Diagnostic> problems;
  auto ids = canary_index_.find(host_key);
  if (ids != canary_index_.end()) {
    std::string owner_key;
    for (const ObjectId& id : ids->second) {  // (namespace, name) order: the first one wins
      const IngressUnit& unit = units_.at(id);
      const model::Ingress& ingress = *unit.ingress;
      for (size_t i = 0; i < ingress.rules.size(); ++i) {
        const model::IngressRule& rule = ingress.rules[i];
        if (HostKey(Lower(rule.host)) != host_key) continue;
        for (size_t j = 0; j < rule.paths.size(); ++j) {
          const model::HTTPIngressPath& path = rule.paths[j];
          std::string_view text = ServedPath(path);
          if (text.empty()) continue;  // reported with the Ingress
          const Where where{static_cast<int>(i), static_cast<int>(j)};
          const std::string described = "host \"" + rule.host + "\" path \"" + path.path + "\" (" +
                                        PathTypeName(path.path_type) + ")";
          owner_key.assign(PathTypeName(path.path_type));
          owner_key += ' ';
          owner_key += internal::MakePathRule(text, path.path_type, nullptr).match;
          auto owner = owners.find(owner_key);
          if (owner == owners.end()) {
            // ingress-nginx: a canary without its main Ingress is not served.
            problems.push_back(MakeDiagnostic(
                ingress, ErrorCode::kNotFound,
                "canary: no main Ingress serves " + described + "; canary not served",
                where.Field("")));
            continue;
          }
          Route& main = *owner->second.route;
          if (main.canary != nullptr) {
            problems.push_back(
                MakeDiagnostic(ingress, ErrorCode::kConflict,
                               "canary: " + described + " already has canary Ingress " +
                                   Key(main.canary->ingress_namespace, main.canary->ingress_name) +
                                   "; canary not served",
                               where.Field("")));
            continue;
          }
          if (!path.backend.service) {
            problems.push_back(MakeDiagnostic(ingress, ErrorCode::kUnsupported,
                                              "only service backends are served; canary not "
                                              "served",
                                              where.Field("backend.resource")));
            continue;
          }
          const model::IngressBackend* main_backend = owner->second.backend;
          if (main_backend->service &&
              internal::BackendKey(main.ingress_namespace, *main_backend->service) ==
                  internal::BackendKey(ingress.meta.namespace_, *path.backend.service)) {
            problems.push_back(
                MakeDiagnostic(ingress, ErrorCode::kConflict,
                               "canary: " + described +
                                   " sends to the main route's own Service port; canary "
                                   "not served",
                               where.Field("backend")));
            continue;
          }
          auto canary = std::make_shared<Route::Canary>();
          canary->policy = unit.policy;
          canary->ingress_namespace = ingress.meta.namespace_;
          canary->ingress_name = ingress.meta.name;
          canary->service = path.backend.service->name;
          auto slot = AcquireSlot(*block, ingress.meta.namespace_, *path.backend.service,
                                  unit.policy->upstream.service_upstream);
          if (slot) {
            canary->backend_slot = *slot;
          } else {
            const Error& error = slot.error();
            problems.push_back(MakeDiagnostic(
                ingress, error.code, error.message + "; requests sent to the canary get 503",
                where.Field("backend." + error.field)));
          }
          main.canary = std::move(canary);
        }
      }
    }
  }
  // Hosts without canary problems (nearly all) allocate nothing here.
  if (auto old = canary_diagnostics_.find(host_key); old != canary_diagnostics_.end()) {
    diagnostic_count_ -= old->second.size();
    canary_diagnostics_.erase(old);
  }
  if (problems.empty()) return;
  diagnostic_count_ += problems.size();
  diagnostics.insert(diagnostics.end(), problems.begin(), problems.end());
  canary_diagnostics_.emplace(host_key, std::move(problems));
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
  // A server-alias is another name of the same server: in ingress-nginx it presents the
  // declared host's certificate too.
  const size_t declared = bindings->size();
  for (const auto& [key, derived] : derived_) {
    if (derived.kind != Derived::Kind::kAlias) continue;
    const std::string target =
        derived.target.front() == 'w' ? "*." + derived.target.substr(1) : derived.target.substr(1);
    const std::string alias = key.front() == 'w' ? "*." + key.substr(1) : key.substr(1);
    for (size_t i = 0; i < declared; ++i) {
      if ((*bindings)[i].host != target) continue;
      TlsBinding binding = (*bindings)[i];
      binding.host = alias;
      bindings->push_back(std::move(binding));
    }
  }
  if (tls_bindings_ != nullptr && *tls_bindings_ == *bindings) return;
  tls_bindings_ = std::move(bindings);
  tls_changed_ = true;
}

BlockPtr RouteCompiler::Impl::BlockOf(const std::string& host_key) const {
  switch (host_key.front()) {
    case 'e':
      return table_.exact.FindBlock(std::string_view(host_key).substr(1));
    case 'w':
      return table_.wildcard.FindBlock(std::string_view(host_key).substr(1));
    default:
      return table_.any_host;
  }
}

BlockPtr RouteCompiler::Impl::BuildWwwRedirect(const std::string& key, const Derived& derived) {
  const IngressUnit& unit = units_.at(derived.source);
  auto block = std::make_shared<HostBlock>();
  Route& route = block->routes.emplace_back();
  route.ingress_namespace = unit.ingress->meta.namespace_;
  route.ingress_name = unit.ingress->meta.name;
  route.host = key.substr(1);
  route.path = "/";
  route.settings = unit.settings;
  // Never null (from-to-www-redirect is a policy key): the data plane finds the redirect
  // behind its one policy test, and answers it before anything else of the policy.
  route.policy = unit.policy;
  route.www_redirect_host = derived.target.substr(1);
  block->entry.default_route = &route;  // every path of the host redirects
  return block;
}

void RouteCompiler::Impl::UpdateDerived(const std::set<std::string>& dirty_hosts,
                                        ShardedHostMap::Editor& exact,
                                        ShardedHostMap::Editor& wildcard,
                                        std::vector<model::Diagnostic>& diagnostics) {
  // Recomputed whole: only the (few) Ingresses with these annotations are read, and the
  // answer depends on every declared host, so a piecewise update would be no cheaper.
  std::map<std::string, Derived> desired;
  std::vector<model::Diagnostic> problems;
  // ingress-nginx: a server takes the aliases of the first Ingress of the host that has any.
  std::unordered_map<std::string, ObjectId> alias_owner;
  for (const ObjectId& id : derived_units_) {
    const IngressUnit& unit = units_.at(id);
    const std::vector<std::string>& aliases = unit.policy->paths.server_alias;
    if (aliases.empty()) continue;
    const model::Ingress& ingress = *unit.ingress;
    for (const std::string& host_key : unit.hosts) {
      if (host_key == "a") continue;  // rules without a host: nothing to alias
      auto [owner, first] = alias_owner.try_emplace(host_key, id);
      if (!first) {
        if (owner->second != id) {
          problems.push_back(MakeDiagnostic(
              ingress, ErrorCode::kConflict,
              "server-alias: host \"" + host_key.substr(1) + "\" already takes the aliases of " +
                  ObjectName(*units_.at(owner->second).ingress) + "; ignored here",
              AnnotationField("server-alias")));
        }
        continue;
      }
      for (const std::string& alias : aliases) {
        std::string alias_key = HostKey(Lower(alias));
        if (alias_key.empty() || alias_key == "a") {
          problems.push_back(MakeDiagnostic(ingress, ErrorCode::kInvalid,
                                            "server-alias \"" + alias + "\" is not a host name",
                                            AnnotationField("server-alias")));
          continue;
        }
        if (alias_key == host_key) continue;
        if (host_index_.count(alias_key) != 0) {
          problems.push_back(MakeDiagnostic(
              ingress, ErrorCode::kConflict,
              "server-alias \"" + alias + "\" is a host an Ingress declares; alias ignored",
              AnnotationField("server-alias")));
          continue;
        }
        auto [entry, inserted] = desired.try_emplace(alias_key);
        if (!inserted) {
          problems.push_back(
              MakeDiagnostic(ingress, ErrorCode::kConflict,
                             "server-alias \"" + alias + "\" already serves host \"" +
                                 entry->second.target.substr(1) + "\"; alias ignored",
                             AnnotationField("server-alias")));
          continue;
        }
        entry->second = Derived{Derived::Kind::kAlias, host_key, id, nullptr};
      }
    }
  }
  for (const ObjectId& id : derived_units_) {
    const IngressUnit& unit = units_.at(id);
    if (!unit.policy->redirect.from_to_www) continue;
    for (const std::string& host_key : unit.hosts) {
      if (host_key.front() != 'e') continue;  // "www." of a wildcard means nothing
      const std::string_view host = std::string_view(host_key).substr(1);
      std::string other = host.substr(0, 4) == "www." ? "e" + std::string(host.substr(4))
                                                      : "ewww." + std::string(host);
      if (other.size() <= 1) continue;
      // ingress-nginx: no redirect when an Ingress declares the other name itself.
      if (host_index_.count(other) != 0) continue;
      auto [entry, inserted] = desired.try_emplace(other);
      if (!inserted) {
        if (entry->second.kind == Derived::Kind::kWww) continue;  // asked by an earlier one
        problems.push_back(MakeDiagnostic(*unit.ingress, ErrorCode::kConflict,
                                          "from-to-www-redirect: \"" + other.substr(1) +
                                              "\" is a server-alias of \"" +
                                              entry->second.target.substr(1) + "\"; no redirect",
                                          AnnotationField("from-to-www-redirect")));
        continue;
      }
      entry->second = Derived{Derived::Kind::kWww, host_key, id, nullptr};
    }
  }

  auto set = [&](const std::string& key, BlockPtr block) {
    changed_ = true;
    if (key.front() == 'e') {
      exact.Set(key.substr(1), std::move(block));
    } else {
      wildcard.Set(key.substr(1), std::move(block));
    }
  };
  for (const auto& [key, entry] : derived_) {
    if (desired.count(key) == 0) set(key, nullptr);
  }
  for (auto& [key, want] : desired) {
    auto old = derived_.find(key);
    const bool same = old != derived_.end() && old->second.kind == want.kind &&
                      old->second.target == want.target && old->second.source == want.source;
    if (want.kind == Derived::Kind::kAlias) {
      want.block = BlockOf(want.target);
    } else if (same && dirty_hosts.count(want.target) == 0 &&
               dirty_ingresses_.count(want.source) == 0) {
      want.block = old->second.block;
    } else {
      want.block = BuildWwwRedirect(key, want);
    }
    if (old != derived_.end() && old->second.block == want.block) continue;
    set(key, want.block);
  }
  derived_ = std::move(desired);

  auto text = [](const std::vector<model::Diagnostic>& list) {
    std::vector<std::string> out;
    for (const auto& d : list) out.push_back(d.object + d.error.ToString());
    return out;
  };
  if (text(problems) != text(derived_diagnostics_)) {
    diagnostics.insert(diagnostics.end(), problems.begin(), problems.end());
  }
  diagnostic_count_ -= derived_diagnostics_.size();
  derived_diagnostics_ = std::move(problems);
  diagnostic_count_ += derived_diagnostics_.size();
}

BlockPtr RouteCompiler::Impl::BuildCatchAll() {
  if (with_default_.empty()) return nullptr;
  const IngressUnit& unit = units_.at(*with_default_.begin());
  auto block = std::make_shared<HostBlock>();
  block->routes.reserve(1);
  last_block_ = nullptr;
  NewRoute(*block, unit, "", "/", model::PathType::kPrefix, *unit.ingress->default_backend, Where{},
           /*report=*/false);
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
  // A Secret's change changes the credentials of the Ingresses whose auth-secret it is.
  for (const std::string& secret : dirty_secrets_) {
    if (auto it = secret_index_.find(secret); it != secret_index_.end()) {
      dirty_ingresses_.insert(it->second.begin(), it->second.end());
    }
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
      // An alias or www entry under this key is not a block built here (UpdateDerived puts it
      // back if it still applies).
      const bool was_derived = derived_.erase(host_key) > 0;
      const HostBlock* old = was_derived ? nullptr : CurrentBlock(host_key);
      if (old != nullptr) {
        diagnostic_count_ -= old->diagnostics.size();
        path_routes_ -= old->path_routes;
        ReleaseSlots(*old);
      }
      if (block) path_routes_ += block->path_routes;
      if (old != nullptr || block || was_derived) changed_ = true;
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
    if (!dirty_hosts.empty()) UpdateDerived(dirty_hosts, exact, wildcard, diagnostics);
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
  dirty_secrets_.clear();
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

void RouteCompiler::Upsert(std::shared_ptr<const model::Secret> secret) {
  std::string key = Key(secret->meta.namespace_, secret->meta.name);
  impl_->credentials_.erase(key + "#file");
  impl_->credentials_.erase(key + "#map");
  impl_->dirty_secrets_.insert(key);
  impl_->secrets_[std::move(key)] = std::move(secret);
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
    case Kind::kSecret:
      if (impl_->secrets_.erase(key) > 0) {
        impl_->credentials_.erase(key + "#file");
        impl_->credentials_.erase(key + "#map");
        impl_->dirty_secrets_.insert(key);
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

#include "route/route_table.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "route/backends.h"
#include "route/host_table.h"
#include "route/selection.h"

namespace waygate::route {

struct RouteTable::Impl : internal::HostTable {};

namespace {

using internal::BackendResolver;
using internal::HostEntry;
using internal::HostTable;

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

// Adds served Ingresses, in (namespace, name) order, to a HostTable.
class Builder {
 public:
  Builder(HostTable& table, BackendResolver& resolver, std::vector<model::Diagnostic>& diagnostics,
          size_t expected_ingresses)
      : table_(table), resolver_(resolver), diagnostics_(diagnostics) {
    table_.exact.reserve(expected_ingresses);
    owners_.reserve(expected_ingresses * 2);
  }

  void Add(const model::Ingress& ingress, const RouteSettings& settings) {
    ingress_ = &ingress;
    settings_ = &settings;

    const Route* default_route = nullptr;
    if (ingress.default_backend.has_value()) {
      default_route =
          NewRoute("", "/", model::PathType::kPrefix, *ingress.default_backend, Where{});
      if (table_.catch_all == nullptr) table_.catch_all = default_route;
    }
    for (size_t i = 0; i < ingress.rules.size(); ++i) {
      AddRule(ingress.rules[i], static_cast<int>(i), default_route);
    }
  }

 private:
  void AddRule(const model::IngressRule& rule, int rule_index, const Route* default_route) {
    const std::string host = Lower(rule.host);
    HostEntry* entry = nullptr;
    if (host.empty()) {
      entry = &table_.any_host;  // misses fall to the gateway-wide catch_all
    } else if (host.size() > 2 && host.compare(0, 2, "*.") == 0 &&
               host.find('*', 1) == std::string::npos) {
      entry = &table_.wildcard[host.substr(2)];
    } else if (host.find('*') == std::string::npos) {
      entry = &table_.exact[host];
    } else {
      Report(ErrorCode::kInvalid,
             "a wildcard host must be \"*.\" followed by a domain; rule skipped",
             Where{rule_index}.Field("host"));
      return;
    }
    if (!host.empty() && entry->default_route == nullptr) entry->default_route = default_route;

    for (size_t j = 0; j < rule.paths.size(); ++j) {
      const model::HTTPIngressPath& path = rule.paths[j];
      const Where where{rule_index, static_cast<int>(j)};
      std::string_view text = path.path;
      if (path.path_type == model::PathType::kImplementationSpecific && text.empty()) text = "/";
      if (text.empty() || text.front() != '/') {
        Report(ErrorCode::kInvalid, "must be an absolute path; path skipped", where.Field("path"));
        continue;
      }
      internal::PathRule rule_match = internal::MakePathRule(text, path.path_type, nullptr);
      // Prefix "/foo" and "/foo/" are the same rule, hence the normalised form in the key.
      key_.assign(host);
      key_ += ' ';
      key_ += PathTypeName(path.path_type);
      key_ += ' ';
      key_ += rule_match.match;
      auto [owner, inserted] = owners_.try_emplace(key_, ingress_);
      if (!inserted) {
        Report(ErrorCode::kConflict,
               "host \"" + rule.host + "\" path \"" + path.path + "\" (" +
                   PathTypeName(path.path_type) + ") is already served by " +
                   ObjectName(*owner->second) + "; path skipped",
               where.Field(""));
        continue;
      }
      rule_match.route =
          NewRoute(rule.host, std::string(text), path.path_type, path.backend, where);
      entry->paths.push_back(std::move(rule_match));
    }
  }

  const Route* NewRoute(const std::string& host, std::string path, model::PathType type,
                        const model::IngressBackend& backend, Where where) {
    Route& route = table_.routes.emplace_back();
    route.ingress_namespace = ingress_->meta.namespace_;
    route.ingress_name = ingress_->meta.name;
    route.host = host;
    route.path = std::move(path);
    route.path_type = type;
    route.settings = *settings_;
    if (backend.service.has_value()) {
      auto resolved = resolver_.Resolve(ingress_->meta.namespace_, *backend.service);
      if (resolved) {
        route.backend = *resolved;
      } else {
        const Error& error = resolved.error();
        Report(error.code, error.message + "; requests get 503",
               where.Field("backend." + error.field));
      }
    } else {
      Report(ErrorCode::kUnsupported, "only service backends are served; requests get 503",
             where.Field("backend.resource"));
    }
    return &route;
  }

  static std::string ObjectName(const model::Ingress& ingress) {
    return "Ingress " + ingress.meta.namespace_ + "/" + ingress.meta.name;
  }

  void Report(ErrorCode code, std::string message, std::string field) {
    diagnostics_.push_back(
        model::Diagnostic{ingress_->origin, ObjectName(*ingress_),
                          MakeError(code, std::move(message), std::move(field))});
  }

  HostTable& table_;
  BackendResolver& resolver_;
  std::vector<model::Diagnostic>& diagnostics_;
  // "host type normalised-path" -> the Ingress that claimed it first.
  std::unordered_map<std::string, const model::Ingress*> owners_;
  std::string key_;  // reused buffer for owners_ keys
  const model::Ingress* ingress_ = nullptr;
  const RouteSettings* settings_ = nullptr;
};

}  // namespace

std::shared_ptr<const RouteTable> RouteTable::Compile(const model::ClusterView& state,
                                                      const CompileOptions& options,
                                                      std::vector<model::Diagnostic>& diagnostics) {
  std::shared_ptr<RouteTable> table(new RouteTable());
  auto impl = std::make_shared<Impl>();

  internal::GatewayTarget gateway = internal::ResolveGateway(state, options.gateway);
  table->scope_namespace_ = gateway.scope_namespace;
  if (gateway.object != nullptr) {
    // Key by key, so one bad value keeps only that key at its default.
    for (const auto& [key, value] : gateway.object->controller.config) {
      Status applied = ApplyGatewaySetting(key, value, table->gateway_settings_);
      if (!applied) {
        diagnostics.push_back(model::Diagnostic{
            gateway.object->origin, "Gateway " + gateway.namespace_ + "/" + gateway.name,
            applied.error()});
      }
    }
  }
  const RouteSettings defaults = DefaultRouteSettings(table->gateway_settings_);

  internal::IngressClassFilter class_filter(state, options.ingress_class);
  std::vector<const model::Ingress*> served;
  served.reserve(state.ingresses.size());
  for (const auto& ingress : state.ingresses) {
    if (!table->scope_namespace_.empty() && ingress.meta.namespace_ != table->scope_namespace_) {
      continue;
    }
    if (class_filter.Serves(ingress)) served.push_back(&ingress);
  }
  // The order decides every tie (duplicate paths, defaults), so it must not depend on input order.
  std::stable_sort(served.begin(), served.end(),
                   [](const model::Ingress* a, const model::Ingress* b) {
                     if (a->meta.namespace_ != b->meta.namespace_) {
                       return a->meta.namespace_ < b->meta.namespace_;
                     }
                     return a->meta.name < b->meta.name;
                   });

  BackendResolver resolver(state, diagnostics);
  Builder builder(*impl, resolver, diagnostics, served.size());
  for (const model::Ingress* ingress : served) {
    Result<RouteSettings> settings = ParseRouteAnnotations(ingress->meta.annotations, defaults);
    if (!settings) {
      Error error = settings.error();
      error.message += "; Ingress skipped";
      diagnostics.push_back(model::Diagnostic{
          ingress->origin, "Ingress " + ingress->meta.namespace_ + "/" + ingress->meta.name,
          std::move(error)});
      continue;
    }
    builder.Add(*ingress, *settings);
  }
  impl->SortAll();

  table->backends_ = resolver.Take();
  table->route_count_ = impl->routes.size();
  table->impl_ = std::move(impl);
  return table;
}

const Route* RouteTable::Lookup(std::string_view host, std::string_view path) const {
  return impl_->Lookup(host, path);
}

}  // namespace waygate::route

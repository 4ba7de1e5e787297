// Issue 4's access table as the API serves it: the context that gives the Ingress printer its
// wide Access and Port/EIP columns (`kubectl get ingress -o wide`), and the ingresses/access
// subresource the console reads. Both take the serving gateway from the stored Gateway alone
// (gateways/ingress_access.h), as `waygate routes` does, so the three views agree.
#include <memory>

#include "api/api_internal.h"
#include "gateways/access_table.h"
#include "gateways/ingress_access.h"
#include "model/objects.h"

namespace waygate::api {

using nlohmann::json;

namespace {

// Every Gateway stored now (they all live in kubesphere-controls-system).
Result<std::vector<model::Gateway>> StoredGateways(Registry& registry) {
  const ResourceInfo* info = FindResource("gateway.kubesphere.io", "v1alpha1", "gateways");
  if (info == nullptr) return std::vector<model::Gateway>{};
  auto list = registry.List(*info, model::kGatewayNamespace, ListOptions{});
  if (!list.ok()) return list.error();
  return gateways::DecodeGateways(list->items);
}

bool IsIngress(const ResourceInfo& resource) {
  return resource.group == "networking.k8s.io" && resource.kind == "Ingress";
}

}  // namespace

printers::TableContext Api::TableContextFor(const ResourceInfo& resource) {
  printers::TableContext context;
  if (!IsIngress(resource)) return context;
  auto stored = StoredGateways(registry_);
  if (!stored.ok()) return context;  // the cells read <unknown> rather than failing the get
  auto gateways = std::make_shared<const std::vector<model::Gateway>>(std::move(*stored));
  context.ingress_access = [gateways](std::string_view ns) {
    gateways::GatewayAccess access = gateways::AccessForNamespace(ns, *gateways);
    if (access.gateway.empty()) return printers::IngressAccess{};
    return printers::IngressAccess{access.type, gateways::PortOrEip(access)};
  };
  return context;
}

void Api::Access(Call& call) {
  const ResourceInfo& resource = *call.resource;
  if (call.info.verb != "get") {
    SendStatus(call,
               apistatus::MethodNotSupported(resource.group, resource.resource, call.info.verb));
    return;
  }
  // "-" is no valid object name (DNS-1123 starts alphanumeric): it stands for every Ingress of
  // the namespace, or of the cluster on the path without a namespace.
  const bool every = call.info.name == "-";
  if (!every && call.info.namespace_.empty()) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  std::vector<json> ingresses;
  json metadata = json::object();
  if (every) {
    ListOptions options;
    if (!ReadListOptions(call, options)) return;
    auto list = registry_.List(resource, call.info.namespace_, options);
    if (!list.ok()) return SendError(call, list.error(), "");
    ingresses = std::move(list->items);
    metadata["resourceVersion"] = std::to_string(list->revision);
    if (!list->continue_token.empty()) metadata["continue"] = list->continue_token;
  } else {
    auto object = registry_.Get(resource, call.info.namespace_, call.info.name);
    if (!object.ok()) return SendError(call, object.error(), call.info.name);
    ingresses.push_back(std::move(*object));
    metadata = {{"name", call.info.name}, {"namespace", call.info.namespace_}};
  }

  auto stored = StoredGateways(registry_);
  if (!stored.ok()) return SendError(call, stored.error(), call.info.name);
  std::vector<gateways::AccessRow> rows;
  gateways::GatewayAccess access;
  for (const json& ingress : ingresses) {
    const std::string ns = ingress.value(json::json_pointer("/metadata/namespace"), "");
    access = gateways::AccessForNamespace(ns, *stored);
    auto table = gateways::AccessTableOf(ingress, access);
    if (!table.ok()) {
      // Stored Ingresses passed the same validation; one that does not decode is a bug, which a
      // single object reports and a listing skips so the other rows stay readable.
      if (every) continue;
      SendStatus(call, apistatus::Internal("ingress " + ns + "/" + call.info.name +
                                           " has no access table: " + table.error().ToString()));
      return;
    }
    for (gateways::AccessRow& row : *table) rows.push_back(std::move(row));
  }
  json out = {{"kind", every ? kAccessListKind : kAccessKind},
              {"apiVersion", std::string(kAccessGroup) + "/" + kAccessVersion},
              {"metadata", std::move(metadata)}};
  if (!every) out["gateway"] = access.gateway;  // "" when no gateway serves the namespace
  out["rows"] = gateways::ToJson(rows);
  SendJson(call, 200, out);
}

}  // namespace waygate::api

// Server-side table printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): the
// meta.k8s.io/v1 Table kube-apiserver answers `kubectl get` with, column for column and cell for
// cell, so kubectl prints the same NAME/AGE/... lines against Waygate as against a real cluster.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::printers {

// ?includeObject=None|Metadata|Object; kube's default (parameter absent) is Metadata.
enum class IncludeObject { kNone, kMetadata, kObject };

// The ?includeObject= query value: "" and "Metadata", "None", "Object" (case-sensitive, as
// kube); nullopt otherwise, which kube answers with 400 BadRequest "Unable to convert to Table
// as requested: includeObject: Invalid value: \"<v>\": must be 'Metadata', 'Object', 'None',
// or empty".
std::optional<IncludeObject> ParseIncludeObject(std::string_view value);

// A watch sends the column definitions with its first event only; later one-row tables carry
// `"columnDefinitions": null`, exactly as kube-apiserver's watch encoder does.
enum class ColumnHeaders { kInclude, kOmit };

// What the Ingress printer's wide columns say about the gateway serving an Ingress's namespace
// (issue 4's access table: Access Method, Port/EIP). The caller works it out (the API server
// reads the Gateways from its store), so printing stays a function of what it is given.
struct IngressAccess {
  std::string method;       // ACCESS: "NodePort" | "LoadBalancer"; "" (no gateway) prints <none>
  std::string port_or_eip;  // PORT/EIP: gateways::PortOrEip(); "" prints <none>
};

// Facts about the world outside the printed objects that some columns need.
struct TableContext {
  // The access of the gateway serving namespace `ns`. Unset: those cells print <unknown>.
  std::function<IngressAccess(std::string_view ns)> ingress_access;
};

// A meta.k8s.io/v1 Table for `objects` of one kind (group "" = core). Columns and cells follow
// kube-apiserver (pkg/printers/internalversion for built-in kinds, apiextensions' table
// convertor for the KubeSphere Gateway CRD, the generic Name/Created At convertor for anything
// else). As on the server, the wide (priority 1) columns are always present; kubectl hides them
// unless `-o wide`. Each row's `object` follows `include`: the full object, a
// PartialObjectMetadata (apiVersion meta.k8s.io/v1), or null. `list_meta` gives the table's
// metadata (resourceVersion, continue, remainingItemCount, copied as given); for a single object
// pass {"resourceVersion": <the object's>}. `now` makes ages testable. Never throws; fields
// missing from an object print as kube prints an empty field. Waygate's one addition to kube's
// columns: Ingress has two wide columns after kube's six, Access and Port/EIP, from `context`.
nlohmann::json BuildTable(std::string_view group, std::string_view kind,
                          const std::vector<const nlohmann::json*>& objects, IncludeObject include,
                          const nlohmann::json& list_meta,
                          std::chrono::system_clock::time_point now,
                          ColumnHeaders headers = ColumnHeaders::kInclude,
                          const TableContext& context = {});

// k8s.io/apimachinery/pkg/util/duration.HumanDuration: "0s", "45s", "5m30s", "3h", "2d5h",
// "400d", "3y45d"; "<invalid>" two or more seconds in the future.
std::string HumanDuration(std::chrono::nanoseconds d);

}  // namespace waygate::printers

// JSON -> typed objects, one function per kind, then validation (validate.cc). Checks that the
// typed struct cannot express (a missing pathType, invalid base64) are made here.
#include <string>
#include <string_view>
#include <utility>

#include "model/base64.h"
#include "model/decode_json.h"
#include "model/json_read.h"
#include "model/validate.h"

namespace waygate::model {
namespace {

using json_read::Json;
namespace jr = json_read;

const Json& EmptyObject() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}

// Calls f(item, path) for each element of the array `key`; a non-object element is reported and
// passed on as {} so indexes in later errors still match the document.
template <class F>
void ForEachObject(const Json& parent, std::string_view key, const FieldPath& path, ErrorList& errs,
                   F&& f) {
  const Json* array = jr::Array(parent, key, path, errs);
  if (array == nullptr) return;
  FieldPath ap = path.Child(key);
  for (size_t i = 0; i < array->size(); ++i) {
    const Json& item = (*array)[i];
    FieldPath ip = ap.Index(i);
    if (!item.is_object()) {
      if (!item.is_null()) errs.WrongType(ip, "object", jr::TypeName(item));
      f(EmptyObject(), ip);
    } else {
      f(item, ip);
    }
  }
}

void StringArray(const Json& parent, std::string_view key, const FieldPath& path, ErrorList& errs,
                 std::vector<std::string>& out) {
  const Json* array = jr::Array(parent, key, path, errs);
  if (array == nullptr) return;
  FieldPath ap = path.Child(key);
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    const Json& item = (*array)[i];
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    } else {
      errs.WrongType(ap.Index(i), "string", jr::TypeName(item));
      out.emplace_back();
    }
  }
}

void DecodeMeta(const Json& obj, bool namespaced, ObjectMeta& meta, ErrorList& errs) {
  FieldPath root;
  FieldPath md("metadata");
  if (const Json* m = jr::Object(obj, "metadata", root, errs)) {
    jr::String(*m, "name", md, errs, meta.name);
    jr::String(*m, "namespace", md, errs, meta.namespace_);
    jr::String(*m, "uid", md, errs, meta.uid);
    jr::String(*m, "resourceVersion", md, errs, meta.resource_version);
    jr::Int64(*m, "generation", md, errs, meta.generation);
    jr::StringMap(*m, "labels", md, errs, meta.labels);
    jr::StringMap(*m, "annotations", md, errs, meta.annotations);
  }
  if (!namespaced) {
    meta.namespace_.clear();  // kubectl drops a namespace given to a cluster-scoped object
  } else if (meta.namespace_.empty()) {
    meta.namespace_ = "default";
  }
}

// ---- networking.k8s.io/v1 ----

void DecodeBackend(const Json& b, const FieldPath& path, IngressBackend& out, ErrorList& errs) {
  if (const Json* s = jr::Object(b, "service", path, errs)) {
    FieldPath sp = path.Child("service");
    IngressServiceBackend svc;
    jr::String(*s, "name", sp, errs, svc.name);
    if (const Json* p = jr::Object(*s, "port", sp, errs)) {
      FieldPath pp = sp.Child("port");
      jr::String(*p, "name", pp, errs, svc.port.name);
      jr::Int32(*p, "number", pp, errs, svc.port.number);
    }
    out.service = std::move(svc);
  }
  if (const Json* r = jr::Object(b, "resource", path, errs)) {
    FieldPath rp = path.Child("resource");
    TypedLocalObjectReference ref;
    jr::String(*r, "apiGroup", rp, errs, ref.api_group);
    jr::String(*r, "kind", rp, errs, ref.kind);
    jr::String(*r, "name", rp, errs, ref.name);
    out.resource = std::move(ref);
  }
}

void DecodePath(const Json& p, const FieldPath& path, HTTPIngressPath& out, ErrorList& errs) {
  jr::String(p, "path", path, errs, out.path);
  std::string type;
  if (!jr::String(p, "pathType", path, errs, type)) {
    if (jr::Find(p, "pathType") == nullptr) {
      errs.Required(path.Child("pathType"), "pathType must be specified");
    }
  } else if (type == "Exact") {
    out.path_type = PathType::kExact;
  } else if (type == "Prefix") {
    out.path_type = PathType::kPrefix;
  } else if (type == "ImplementationSpecific") {
    out.path_type = PathType::kImplementationSpecific;
  } else {
    errs.NotSupported(path.Child("pathType"), type, {"Exact", "ImplementationSpecific", "Prefix"});
  }
  if (out.path_type == PathType::kImplementationSpecific && out.path.empty()) out.path = "/";
  if (const Json* b = jr::Object(p, "backend", path, errs)) {
    DecodeBackend(*b, path.Child("backend"), out.backend, errs);
  }
}

void DecodeIngress(const Json& obj, Ingress& out, ErrorList& errs) {
  DecodeMeta(obj, true, out.meta, errs);
  FieldPath root;
  FieldPath sp("spec");
  const Json* spec = jr::Object(obj, "spec", root, errs);
  if (spec == nullptr) return;
  std::string class_name;
  if (jr::String(*spec, "ingressClassName", sp, errs, class_name)) {
    out.ingress_class_name = std::move(class_name);
  }
  if (const Json* db = jr::Object(*spec, "defaultBackend", sp, errs)) {
    out.default_backend.emplace();
    DecodeBackend(*db, sp.Child("defaultBackend"), *out.default_backend, errs);
  }
  ForEachObject(*spec, "tls", sp, errs, [&](const Json& t, const FieldPath& tp) {
    IngressTLS& tls = out.tls.emplace_back();
    StringArray(t, "hosts", tp, errs, tls.hosts);
    jr::String(t, "secretName", tp, errs, tls.secret_name);
  });
  ForEachObject(*spec, "rules", sp, errs, [&](const Json& r, const FieldPath& rp) {
    IngressRule& rule = out.rules.emplace_back();
    jr::String(r, "host", rp, errs, rule.host);
    const Json* http = jr::Object(r, "http", rp, errs);
    if (http == nullptr) return;
    FieldPath hp = rp.Child("http");
    const Json* paths = jr::Find(*http, "paths");
    if (paths == nullptr || (paths->is_array() && paths->empty())) {
      errs.Required(hp.Child("paths"));
      return;
    }
    rule.paths.reserve(paths->size());
    ForEachObject(*http, "paths", hp, errs, [&](const Json& p, const FieldPath& pp) {
      DecodePath(p, pp, rule.paths.emplace_back(), errs);
    });
  });
}

void DecodeIngressClass(const Json& obj, IngressClass& out, ErrorList& errs) {
  DecodeMeta(obj, false, out.meta, errs);
  FieldPath root;
  if (const Json* spec = jr::Object(obj, "spec", root, errs)) {
    jr::String(*spec, "controller", FieldPath("spec"), errs, out.controller);
  }
}

// ---- v1 ----

void DefaultProtocol(std::string& protocol) {
  if (protocol.empty()) protocol = "TCP";
}

void DecodeService(const Json& obj, Service& out, ErrorList& errs) {
  DecodeMeta(obj, true, out.meta, errs);
  FieldPath root;
  FieldPath sp("spec");
  const Json* spec = jr::Object(obj, "spec", root, errs);
  if (spec == nullptr) return;
  jr::String(*spec, "type", sp, errs, out.type);
  if (out.type.empty()) out.type = "ClusterIP";
  jr::String(*spec, "clusterIP", sp, errs, out.cluster_ip);
  jr::String(*spec, "externalName", sp, errs, out.external_name);
  jr::StringMap(*spec, "selector", sp, errs, out.selector);
  ForEachObject(*spec, "ports", sp, errs, [&](const Json& p, const FieldPath& pp) {
    ServicePort& port = out.ports.emplace_back();
    jr::String(p, "name", pp, errs, port.name);
    jr::String(p, "protocol", pp, errs, port.protocol);
    DefaultProtocol(port.protocol);
    jr::Int32(p, "port", pp, errs, port.port);
    jr::IntOrStr(p, "targetPort", pp, errs, port.target_port);
    bool unset = port.target_port.is_int ? port.target_port.int_value == 0
                                         : port.target_port.str_value.empty();
    if (unset) port.target_port = IntOrString{true, port.port, {}};
    jr::Int32(p, "nodePort", pp, errs, port.node_port);
  });
}

void DecodeAddresses(const Json& subset, std::string_view key, const FieldPath& sp,
                     std::vector<EndpointAddress>& out, ErrorList& errs) {
  ForEachObject(subset, key, sp, errs, [&](const Json& a, const FieldPath& ap) {
    EndpointAddress& addr = out.emplace_back();
    jr::String(a, "ip", ap, errs, addr.ip);
    jr::String(a, "hostname", ap, errs, addr.hostname);
    jr::String(a, "nodeName", ap, errs, addr.node_name);
  });
}

void DecodeEndpoints(const Json& obj, Endpoints& out, ErrorList& errs) {
  DecodeMeta(obj, true, out.meta, errs);
  ForEachObject(obj, "subsets", FieldPath(), errs, [&](const Json& s, const FieldPath& sp) {
    EndpointSubset& subset = out.subsets.emplace_back();
    DecodeAddresses(s, "addresses", sp, subset.addresses, errs);
    DecodeAddresses(s, "notReadyAddresses", sp, subset.not_ready_addresses, errs);
    ForEachObject(s, "ports", sp, errs, [&](const Json& p, const FieldPath& pp) {
      EndpointPort& port = subset.ports.emplace_back();
      jr::String(p, "name", pp, errs, port.name);
      jr::Int32(p, "port", pp, errs, port.port);
      jr::String(p, "protocol", pp, errs, port.protocol);
      DefaultProtocol(port.protocol);
    });
  });
}

// ---- discovery.k8s.io/v1 ----

void DecodeEndpointSlice(const Json& obj, EndpointSlice& out, ErrorList& errs) {
  DecodeMeta(obj, true, out.meta, errs);
  FieldPath root;
  if (!jr::String(obj, "addressType", root, errs, out.address_type) &&
      jr::Find(obj, "addressType") == nullptr) {
    errs.Required(FieldPath("addressType"));
  }
  ForEachObject(obj, "endpoints", root, errs, [&](const Json& e, const FieldPath& ep) {
    SliceEndpoint& endpoint = out.endpoints.emplace_back();
    StringArray(e, "addresses", ep, errs, endpoint.addresses);
    if (const Json* c = jr::Object(e, "conditions", ep, errs)) {
      FieldPath cp = ep.Child("conditions");
      jr::OptBool(*c, "ready", cp, errs, endpoint.ready);
      jr::OptBool(*c, "serving", cp, errs, endpoint.serving);
      jr::OptBool(*c, "terminating", cp, errs, endpoint.terminating);
    }
  });
  ForEachObject(obj, "ports", root, errs, [&](const Json& p, const FieldPath& pp) {
    SlicePort& port = out.ports.emplace_back();
    std::string name;
    if (jr::String(p, "name", pp, errs, name)) port.name = std::move(name);
    int32_t number = 0;
    if (jr::Int32(p, "port", pp, errs, number)) port.port = number;
    jr::String(p, "protocol", pp, errs, port.protocol);
    DefaultProtocol(port.protocol);
  });
}

// ---- v1 Secret ----

void DecodeSecret(const Json& obj, Secret& out, ErrorList& errs) {
  DecodeMeta(obj, true, out.meta, errs);
  FieldPath root;
  jr::String(obj, "type", root, errs, out.type);
  if (out.type.empty()) out.type = "Opaque";
  if (const Json* data = jr::Object(obj, "data", root, errs)) {
    FieldPath dp("data");
    for (const auto& [key, value] : data->items()) {
      if (value.is_null()) {
        out.data[key];
        continue;
      }
      if (!value.is_string()) {
        errs.WrongType(dp.Key(key), "base64 string", jr::TypeName(value));
        continue;
      }
      std::string decoded;
      if (auto bad = DecodeBase64(value.get_ref<const std::string&>(), decoded)) {
        // The value is secret material: report where, never what.
        errs.Add(Error{ErrorCode::kInvalid,
                       "illegal base64 data at input byte " + std::to_string(*bad),
                       dp.Key(key).String()});
        continue;
      }
      out.data[key] = std::move(decoded);
    }
  }
  if (const Json* string_data = jr::Object(obj, "stringData", root, errs)) {
    FieldPath sp("stringData");
    for (const auto& [key, value] : string_data->items()) {
      if (value.is_string()) {
        out.data[key] = value.get<std::string>();  // stringData wins, as in the API server
      } else if (value.is_null()) {
        out.data[key] = "";
      } else {
        errs.WrongType(sp.Key(key), "string", jr::TypeName(value));
      }
    }
  }
}

// ---- gateway.kubesphere.io/v1alpha1 ----

// `ports` of spec.service or status.service: KubeSphere's Service-like port list.
void DecodeGatewayPorts(const Json& parent, const FieldPath& path, ErrorList& errs,
                        std::vector<GatewayPort>& out) {
  ForEachObject(parent, "ports", path, errs, [&](const Json& item, const FieldPath& pp) {
    GatewayPort& port = out.emplace_back();
    jr::String(item, "name", pp, errs, port.name);
    jr::Int32(item, "port", pp, errs, port.port);
    jr::Int32(item, "nodePort", pp, errs, port.node_port);
    jr::String(item, "protocol", pp, errs, port.protocol);
  });
}

void DecodeGateway(const Json& obj, Gateway& out, ErrorList& errs) {
  DecodeMeta(obj, true, out.meta, errs);
  FieldPath root;
  FieldPath sp("spec");
  const Json* spec = jr::Object(obj, "spec", root, errs);
  if (spec == nullptr) return;
  if (const Json* c = jr::Object(*spec, "controller", sp, errs)) {
    FieldPath cp = sp.Child("controller");
    jr::Int32(*c, "replicas", cp, errs, out.controller.replicas);
    jr::StringMap(*c, "annotations", cp, errs, out.controller.annotations);
    jr::StringMap(*c, "config", cp, errs, out.controller.config, /*stringify=*/true);
    if (const Json* s = jr::Object(*c, "scope", cp, errs)) {
      FieldPath scp = cp.Child("scope");
      jr::Bool(*s, "enabled", scp, errs, out.controller.scope.enabled);
      jr::String(*s, "namespace", scp, errs, out.controller.scope.namespace_);
    }
  }
  if (const Json* d = jr::Object(*spec, "deployment", sp, errs)) {
    FieldPath dp = sp.Child("deployment");
    jr::Int32(*d, "replicas", dp, errs, out.deployment.replicas);
    jr::StringMap(*d, "annotations", dp, errs, out.deployment.annotations);
  }
  if (const Json* s = jr::Object(*spec, "service", sp, errs)) {
    FieldPath svp = sp.Child("service");
    jr::String(*s, "type", svp, errs, out.service.type);
    if (out.service.type.empty()) out.service.type = "NodePort";
    jr::StringMap(*s, "annotations", svp, errs, out.service.annotations);
    jr::String(*s, "loadBalancerIP", svp, errs, out.service.load_balancer_ip);
    DecodeGatewayPorts(*s, svp, errs, out.service.ports);
  }
  FieldPath stp("status");
  const Json* status = jr::Object(obj, "status", root, errs);
  if (status == nullptr) return;
  if (const Json* s = jr::Object(*status, "service", stp, errs)) {
    DecodeGatewayPorts(*s, stp.Child("service"), errs, out.status.ports);
  }
  if (const Json* lb = jr::Object(*status, "loadBalancer", stp, errs)) {
    FieldPath lbp = stp.Child("loadBalancer");
    ForEachObject(*lb, "ingress", lbp, errs, [&](const Json& item, const FieldPath& ip) {
      LoadBalancerIngress& ingress = out.status.load_balancer_ingress.emplace_back();
      jr::String(item, "ip", ip, errs, ingress.ip);
      jr::String(item, "hostname", ip, errs, ingress.hostname);
    });
  }
}

// ---- dispatch ----

std::string Describe(std::string_view kind, const ObjectMeta& meta) {
  std::string out(kind);
  out += ' ';
  if (!meta.namespace_.empty()) {
    out += meta.namespace_;
    out += '/';
  }
  out += meta.name.empty() ? "<unnamed>" : meta.name;
  return out;
}

template <class T, class DecodeFn>
void DecodeKind(const Json& obj, std::string_view kind, const Origin& origin, DecodeFn decode,
                std::vector<T>& out, std::vector<Diagnostic>& diagnostics) {
  T value;
  ErrorList errs;
  decode(obj, value, errs);
  Validate(value, errs);
  if (errs.empty()) {
    value.origin = origin;
    out.push_back(std::move(value));
    return;
  }
  std::string object = Describe(kind, value.meta);
  for (Error& e : errs.Take()) diagnostics.push_back(Diagnostic{origin, object, std::move(e)});
}

struct KnownKind {
  std::string_view kind;
  std::string_view api_version;
};
constexpr KnownKind kKnownKinds[] = {
    {"Ingress", "networking.k8s.io/v1"},
    {"IngressClass", "networking.k8s.io/v1"},
    {"Service", "v1"},
    {"Endpoints", "v1"},
    {"Secret", "v1"},
    {"EndpointSlice", "discovery.k8s.io/v1"},
    {"Gateway", "gateway.kubesphere.io/v1alpha1"},
};

std::string_view Group(std::string_view api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

Diagnostic ObjectError(const Origin& origin, std::string object, std::string message,
                       std::string field, ErrorCode code = ErrorCode::kInvalid) {
  return Diagnostic{origin, std::move(object), Error{code, std::move(message), std::move(field)}};
}

constexpr int kMaxListDepth = 4;

void DecodeOne(const Json& value, std::string_view default_api_version,
               std::string_view default_kind, const Origin& origin, ClusterState& state,
               std::vector<Diagnostic>& diagnostics, int depth) {
  if (!value.is_object()) {
    if (value.is_null()) return;  // an empty document or list item: nothing to load
    diagnostics.push_back(
        ObjectError(origin, "", std::string("expected an object, got ") + jr::TypeName(value), ""));
    return;
  }
  const Json* kind_json = jr::Find(value, "kind");
  const Json* api_json = jr::Find(value, "apiVersion");
  if ((kind_json != nullptr && !kind_json->is_string()) ||
      (api_json != nullptr && !api_json->is_string())) {
    diagnostics.push_back(
        ObjectError(origin, "", "kind and apiVersion must be strings",
                    kind_json != nullptr && !kind_json->is_string() ? "kind" : "apiVersion"));
    return;
  }
  std::string_view kind =
      kind_json != nullptr ? kind_json->get_ref<const std::string&>() : default_kind;
  std::string_view api_version =
      api_json != nullptr ? api_json->get_ref<const std::string&>() : default_api_version;
  if (kind.empty()) {
    diagnostics.push_back(ObjectError(origin, "", "Object 'Kind' is missing", "kind"));
    return;
  }
  if (api_version.empty()) {
    diagnostics.push_back(
        ObjectError(origin, std::string(kind), "Object 'apiVersion' is missing", "apiVersion"));
    return;
  }

  const Json* items = jr::Find(value, "items");
  if (kind == "List" || (kind.ends_with("List") && items != nullptr)) {
    if (depth >= kMaxListDepth) {
      diagnostics.push_back(
          ObjectError(origin, std::string(kind), "lists nested too deeply", "items"));
      return;
    }
    if (items == nullptr) return;
    if (!items->is_array()) {
      diagnostics.push_back(ObjectError(
          origin, std::string(kind),
          std::string("Invalid type: expected array, got ") + jr::TypeName(*items), "items"));
      return;
    }
    // Items of a typed list (IngressList from the API) carry no kind of their own.
    std::string_view item_kind =
        kind == "List" ? std::string_view() : kind.substr(0, kind.size() - 4);
    for (size_t i = 0; i < items->size(); ++i) {
      Origin item_origin = origin;
      item_origin.item = static_cast<int>(i);
      DecodeOne((*items)[i], kind == "List" ? std::string_view() : api_version, item_kind,
                item_origin, state, diagnostics, depth + 1);
    }
    return;
  }

  const KnownKind* known = nullptr;
  for (const KnownKind& k : kKnownKinds) {
    if (k.kind == kind) known = &k;
  }
  if (known == nullptr) return;  // ConfigMap, Deployment, ...: not ours
  if (api_version != known->api_version) {
    // Another API group's "Gateway" (gateway.networking.k8s.io) is a different kind: skip it.
    if (kind == "Gateway" && Group(api_version) != Group(known->api_version)) return;
    ObjectMeta meta;
    ErrorList ignored;  // best effort: only to name the object in the diagnostic
    DecodeMeta(value, kind != "IngressClass", meta, ignored);
    diagnostics.push_back(ObjectError(origin, Describe(kind, meta),
                                      "unsupported apiVersion " + Quote(api_version) + " for " +
                                          std::string(kind) + " (use " +
                                          std::string(known->api_version) + ")",
                                      "apiVersion", ErrorCode::kUnsupported));
    return;
  }

  if (kind == "Ingress") {
    DecodeKind(value, kind, origin, DecodeIngress, state.ingresses, diagnostics);
  } else if (kind == "IngressClass") {
    DecodeKind(value, kind, origin, DecodeIngressClass, state.ingress_classes, diagnostics);
  } else if (kind == "Service") {
    DecodeKind(value, kind, origin, DecodeService, state.services, diagnostics);
  } else if (kind == "Endpoints") {
    DecodeKind(value, kind, origin, DecodeEndpoints, state.endpoints, diagnostics);
  } else if (kind == "EndpointSlice") {
    DecodeKind(value, kind, origin, DecodeEndpointSlice, state.endpoint_slices, diagnostics);
  } else if (kind == "Secret") {
    DecodeKind(value, kind, origin, DecodeSecret, state.secrets, diagnostics);
  } else if (kind == "Gateway") {
    DecodeKind(value, kind, origin, DecodeGateway, state.gateways, diagnostics);
  }
}

}  // namespace

void DecodeObject(const nlohmann::json& value, const Origin& origin, ClusterState& state,
                  std::vector<Diagnostic>& diagnostics) {
  DecodeOne(value, {}, {}, origin, state, diagnostics, 0);
}

}  // namespace waygate::model

#include "model/validate.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include "model/names.h"

namespace waygate::model {
namespace {

constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;
constexpr size_t kMaxSecretSize = 1024 * 1024;
constexpr size_t kMaxIngressClassController = 250;
constexpr size_t kMaxSliceAddresses = 100;

bool IsSupportedProtocol(std::string_view p) { return p == "TCP" || p == "UDP" || p == "SCTP"; }

void ValidateProtocol(std::string_view protocol, const FieldPath& path, ErrorList& errs) {
  if (protocol.empty()) {
    errs.Required(path);
  } else if (!IsSupportedProtocol(protocol)) {
    errs.NotSupported(path, protocol, {"SCTP", "TCP", "UDP"});
  }
}

void ValidateLabels(const StringMap& labels, const FieldPath& path, ErrorList& errs) {
  for (const auto& [key, value] : labels) {
    errs.InvalidEach(path, key, IsLabelKey(key));
    errs.InvalidEach(path, value, IsLabelValue(value));
  }
}

void ValidateAnnotations(const StringMap& annotations, const FieldPath& path, ErrorList& errs) {
  size_t total = 0;
  for (const auto& [key, value] : annotations) {
    std::string lower(key);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    errs.InvalidEach(path, key, IsLabelKey(lower));
    total += key.size() + value.size();
  }
  if (total > kTotalAnnotationSizeLimit) errs.TooLong(path, kTotalAnnotationSizeLimit);
}

void ValidateSubdomain(std::string_view value, const FieldPath& path, ErrorList& errs) {
  errs.InvalidEach(path, value, IsDNS1123Subdomain(value));
}

void ValidateHost(std::string_view host, const FieldPath& path, ErrorList& errs) {
  if (host.find('*') != std::string_view::npos) {
    errs.InvalidEach(path, host, IsWildcardDNS1123Subdomain(host));
  } else {
    ValidateSubdomain(host, path, errs);
  }
}

// ---- networking.k8s.io/v1 ----

void ValidatePathSegmentName(std::string_view value, const FieldPath& path, ErrorList& errs) {
  if (value.empty()) {
    errs.Required(path);
  } else {
    errs.InvalidEach(path, value, IsPathSegmentName(value));
  }
}

void ValidateBackend(const IngressBackend& backend, const FieldPath& path, ErrorList& errs) {
  if (backend.resource && backend.service) {
    errs.Invalid(path, "", "cannot set both resource and service backends");
    return;
  }
  if (backend.resource) {
    FieldPath rp = path.Child("resource");
    if (!backend.resource->api_group.empty()) {
      ValidateSubdomain(backend.resource->api_group, rp.Child("apiGroup"), errs);
    }
    ValidatePathSegmentName(backend.resource->kind, rp.Child("kind"), errs);
    ValidatePathSegmentName(backend.resource->name, rp.Child("name"), errs);
    return;
  }
  if (!backend.service) {
    errs.Invalid(path, "", "resource or service backend is required");
    return;
  }
  const IngressServiceBackend& svc = *backend.service;
  FieldPath sp = path.Child("service");
  if (svc.name.empty()) {
    errs.Required(sp.Child("name"));
  } else {
    errs.InvalidEach(sp.Child("name"), svc.name, IsDNS1035Label(svc.name));
  }
  bool has_name = !svc.port.name.empty();
  bool has_number = svc.port.number != 0;
  FieldPath pp = sp.Child("port");
  if (has_name && has_number) {
    errs.Invalid(path, "", "cannot set both port name & port number");
  } else if (has_name) {
    errs.InvalidEach(pp.Child("name"), svc.port.name, IsValidPortName(svc.port.name));
  } else if (has_number) {
    for (const std::string& m : IsValidPortNum(svc.port.number)) {
      errs.InvalidInt(pp.Child("number"), svc.port.number, m);
    }
  } else {
    errs.Required(path, "port name or number is required");
  }
}

void ValidatePath(const HTTPIngressPath& p, const FieldPath& path, ErrorList& errs) {
  FieldPath pp = path.Child("path");
  switch (p.path_type) {
    case PathType::kExact:
    case PathType::kPrefix: {
      if (p.path.empty() || p.path[0] != '/') errs.Invalid(pp, p.path, "must be an absolute path");
      if (p.path.empty()) break;
      for (std::string_view seq : {"//", "/./", "/../", "%2f", "%2F"}) {
        if (p.path.find(seq) != std::string::npos) {
          errs.Invalid(pp, p.path, "must not contain '" + std::string(seq) + "'");
        }
      }
      for (std::string_view suffix : {"/..", "/."}) {
        if (std::string_view(p.path).ends_with(suffix)) {
          errs.Invalid(pp, p.path, "cannot end with '" + std::string(suffix) + "'");
        }
      }
      break;
    }
    case PathType::kImplementationSpecific:
      if (!p.path.empty() && p.path[0] != '/') {
        errs.Invalid(pp, p.path, "must be an absolute path");
      }
      break;
  }
  ValidateBackend(p.backend, path.Child("backend"), errs);
}

// IsDomainPrefixedPath: "acme.io/foo".
void ValidateDomainPrefixedPath(std::string_view value, const FieldPath& path, ErrorList& errs) {
  size_t slash = value.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == value.size()) {
    errs.Invalid(path, value, "must be a domain-prefixed path (such as \"acme.io/foo\")");
    return;
  }
  std::string_view host = value.substr(0, slash);
  std::string_view rest = value.substr(slash + 1);
  errs.InvalidEach(path, host, IsDNS1123Subdomain(host));
  constexpr std::string_view kPathChars = "/-._~%!$&'()*+,;=:";
  for (char c : rest) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && kPathChars.find(c) == kPathChars.npos) {
      errs.Invalid(path, rest,
                   "Invalid path (regex used for validation is "
                   "'[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
      return;
    }
  }
}

}  // namespace

void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameRule rule, ErrorList& errs) {
  FieldPath md("metadata");
  if (meta.name.empty()) {
    errs.Required(md.Child("name"), "name or generateName is required");
  } else {
    errs.InvalidEach(md.Child("name"), meta.name,
                     rule == NameRule::kDNS1035Label ? IsDNS1035Label(meta.name)
                                                     : IsDNS1123Subdomain(meta.name));
  }
  if (namespaced) {
    if (meta.namespace_.empty()) {
      errs.Required(md.Child("namespace"));
    } else {
      errs.InvalidEach(md.Child("namespace"), meta.namespace_, IsDNS1123Label(meta.namespace_));
    }
  }
  if (meta.generation < 0) {
    errs.InvalidInt(md.Child("generation"), meta.generation, "must be greater than or equal to 0");
  }
  ValidateLabels(meta.labels, md.Child("labels"), errs);
  ValidateAnnotations(meta.annotations, md.Child("annotations"), errs);
}

void Validate(const Ingress& ingress, ErrorList& errs) {
  ValidateObjectMeta(ingress.meta, true, NameRule::kDNS1123Subdomain, errs);
  FieldPath spec("spec");
  if (ingress.rules.empty() && !ingress.default_backend) {
    errs.InvalidRaw(spec, "null", "either `defaultBackend` or `rules` must be specified");
  }
  if (ingress.default_backend) {
    ValidateBackend(*ingress.default_backend, spec.Child("defaultBackend"), errs);
  }
  FieldPath rules = spec.Child("rules");
  for (size_t i = 0; i < ingress.rules.size(); ++i) {
    const IngressRule& rule = ingress.rules[i];
    FieldPath rp = rules.Index(i);
    if (!rule.host.empty()) {
      if (IsIP(rule.host)) {
        errs.Invalid(rp.Child("host"), rule.host, "must be a DNS name, not an IP address");
      }
      ValidateHost(rule.host, rp.Child("host"), errs);
    }
    FieldPath http = rp.Child("http");
    FieldPath paths = http.Child("paths");
    for (size_t j = 0; j < rule.paths.size(); ++j)
      ValidatePath(rule.paths[j], paths.Index(j), errs);
  }
  FieldPath tls = spec.Child("tls");
  for (size_t i = 0; i < ingress.tls.size(); ++i) {
    const IngressTLS& t = ingress.tls[i];
    FieldPath tp = tls.Index(i);
    FieldPath hosts = tp.Child("hosts");
    for (size_t j = 0; j < t.hosts.size(); ++j) ValidateHost(t.hosts[j], hosts.Index(j), errs);
    if (!t.secret_name.empty()) ValidateSubdomain(t.secret_name, tp.Child("secretName"), errs);
  }
  if (ingress.ingress_class_name) {
    ValidateSubdomain(*ingress.ingress_class_name, spec.Child("ingressClassName"), errs);
    auto it = ingress.meta.annotations.find("kubernetes.io/ingress.class");
    if (it != ingress.meta.annotations.end() && it->second != *ingress.ingress_class_name) {
      FieldPath annotations("annotations");
      errs.Invalid(annotations.Child("kubernetes.io/ingress.class"), it->second,
                   "must match `ingressClassName` when both are specified");
    }
  }
}

void Validate(const IngressClass& ingress_class, ErrorList& errs) {
  ValidateObjectMeta(ingress_class.meta, false, NameRule::kDNS1123Subdomain, errs);
  FieldPath spec("spec");
  FieldPath controller = spec.Child("controller");
  const std::string& c = ingress_class.controller;
  if (c.empty()) {
    errs.Required(controller);
    return;
  }
  if (c.size() > kMaxIngressClassController) errs.TooLong(controller, kMaxIngressClassController);
  ValidateDomainPrefixedPath(c, controller, errs);
}

// ---- v1 ----

void Validate(const Service& service, ErrorList& errs) {
  ValidateObjectMeta(service.meta, true, NameRule::kDNS1035Label, errs);
  FieldPath spec("spec");
  const std::string& type = service.type;
  bool known_type =
      type == "ClusterIP" || type == "NodePort" || type == "LoadBalancer" || type == "ExternalName";
  if (!known_type) {
    errs.NotSupported(spec.Child("type"), type,
                      {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"});
  }
  bool headless = service.cluster_ip == "None";
  if (type == "ExternalName") {
    std::string_view name = service.external_name;
    if (name.empty()) {
      errs.Required(spec.Child("externalName"));
    } else {
      if (name.ends_with('.')) name.remove_suffix(1);
      ValidateSubdomain(name, spec.Child("externalName"), errs);
    }
  }
  if (!service.cluster_ip.empty() && !headless && !IsIP(service.cluster_ip)) {
    errs.Invalid(spec.Child("clusterIP"), service.cluster_ip, kInvalidIPMessage);
  }
  FieldPath ports = spec.Child("ports");
  if (service.ports.empty() && !headless && type != "ExternalName") errs.Required(ports);
  std::set<std::string_view> names;
  bool require_name = service.ports.size() > 1;
  for (size_t i = 0; i < service.ports.size(); ++i) {
    const ServicePort& port = service.ports[i];
    FieldPath pp = ports.Index(i);
    if (require_name && port.name.empty()) {
      errs.Required(pp.Child("name"));
    } else if (!port.name.empty()) {
      errs.InvalidEach(pp.Child("name"), port.name, IsDNS1123Label(port.name));
      if (!names.insert(port.name).second) errs.Duplicate(pp.Child("name"), port.name);
    }
    for (const std::string& m : IsValidPortNum(port.port)) {
      errs.InvalidInt(pp.Child("port"), port.port, m);
    }
    ValidateProtocol(port.protocol, pp.Child("protocol"), errs);
    if (port.target_port.is_int) {
      for (const std::string& m : IsValidPortNum(port.target_port.int_value)) {
        errs.InvalidInt(pp.Child("targetPort"), port.target_port.int_value, m);
      }
    } else {
      errs.InvalidEach(pp.Child("targetPort"), port.target_port.str_value,
                       IsValidPortName(port.target_port.str_value));
    }
    if (port.node_port != 0) {
      for (const std::string& m : IsValidPortNum(port.node_port)) {
        errs.InvalidInt(pp.Child("nodePort"), port.node_port, m);
      }
      if (type == "ClusterIP" || type == "ExternalName") {
        errs.Forbidden(pp.Child("nodePort"), "may not be used when `type` is '" + type + "'");
      }
    }
  }
}

namespace {

void ValidateEndpointAddress(const EndpointAddress& a, const FieldPath& path, ErrorList& errs) {
  if (!IsIP(a.ip)) errs.Invalid(path.Child("ip"), a.ip, kInvalidIPMessage);
  if (!a.hostname.empty()) {
    errs.InvalidEach(path.Child("hostname"), a.hostname, IsDNS1123Label(a.hostname));
  }
  if (!a.node_name.empty()) ValidateSubdomain(a.node_name, path.Child("nodeName"), errs);
}

}  // namespace

void Validate(const Endpoints& endpoints, ErrorList& errs) {
  ValidateObjectMeta(endpoints.meta, true, NameRule::kDNS1123Subdomain, errs);
  FieldPath subsets("subsets");
  for (size_t i = 0; i < endpoints.subsets.size(); ++i) {
    const EndpointSubset& ss = endpoints.subsets[i];
    FieldPath sp = subsets.Index(i);
    if (ss.addresses.empty() && ss.not_ready_addresses.empty()) {
      errs.Required(sp, "must specify `addresses` or `notReadyAddresses`");
    }
    FieldPath addresses = sp.Child("addresses");
    for (size_t j = 0; j < ss.addresses.size(); ++j) {
      ValidateEndpointAddress(ss.addresses[j], addresses.Index(j), errs);
    }
    FieldPath not_ready = sp.Child("notReadyAddresses");
    for (size_t j = 0; j < ss.not_ready_addresses.size(); ++j) {
      ValidateEndpointAddress(ss.not_ready_addresses[j], not_ready.Index(j), errs);
    }
    FieldPath ports = sp.Child("ports");
    bool require_name = ss.ports.size() > 1;
    for (size_t j = 0; j < ss.ports.size(); ++j) {
      const EndpointPort& port = ss.ports[j];
      FieldPath pp = ports.Index(j);
      if (require_name && port.name.empty()) {
        errs.Required(pp.Child("name"));
      } else if (!port.name.empty()) {
        errs.InvalidEach(pp.Child("name"), port.name, IsDNS1123Label(port.name));
      }
      for (const std::string& m : IsValidPortNum(port.port)) {
        errs.InvalidInt(pp.Child("port"), port.port, m);
      }
      ValidateProtocol(port.protocol, pp.Child("protocol"), errs);
    }
  }
}

void Validate(const EndpointSlice& slice, ErrorList& errs) {
  ValidateObjectMeta(slice.meta, true, NameRule::kDNS1123Subdomain, errs);
  const std::string& type = slice.address_type;
  if (type != "IPv4" && type != "IPv6" && type != "FQDN") {
    errs.NotSupported(FieldPath("addressType"), type, {"FQDN", "IPv4", "IPv6"});
  }
  FieldPath endpoints("endpoints");
  for (size_t i = 0; i < slice.endpoints.size(); ++i) {
    const SliceEndpoint& ep = slice.endpoints[i];
    FieldPath ep_path = endpoints.Index(i);
    FieldPath ap = ep_path.Child("addresses");
    if (ep.addresses.empty()) {
      errs.Required(ap, "must contain at least 1 address");
    } else if (ep.addresses.size() > kMaxSliceAddresses) {
      errs.TooMany(ap, ep.addresses.size(), kMaxSliceAddresses);
    }
    for (size_t j = 0; j < ep.addresses.size(); ++j) {
      const std::string& addr = ep.addresses[j];
      if (type == "IPv4" || type == "IPv6") {
        if (!IsIP(addr)) {
          errs.Invalid(ap.Index(j), addr, kInvalidIPMessage);
        } else if (type == "IPv4" && !IsIPv4(addr)) {
          errs.Invalid(ap, addr, "must be an IPv4 address");
        } else if (type == "IPv6" && !IsIPv6(addr)) {
          errs.Invalid(ap, addr, "must be an IPv6 address");
        }
      } else if (type == "FQDN") {
        std::string_view name = addr;
        if (name.ends_with('.')) name.remove_suffix(1);
        ValidateSubdomain(name, ap.Index(j), errs);
      }
    }
  }
  FieldPath ports("ports");
  std::set<std::string_view> names;
  for (size_t i = 0; i < slice.ports.size(); ++i) {
    const SlicePort& port = slice.ports[i];
    FieldPath pp = ports.Index(i);
    std::string_view name = port.name ? std::string_view(*port.name) : std::string_view();
    if (!name.empty()) errs.InvalidEach(pp.Child("name"), name, IsDNS1123Label(name));
    if (!names.insert(name).second) errs.Duplicate(pp.Child("name"), name);
    if (port.port) {
      for (const std::string& m : IsValidPortNum(*port.port)) {
        errs.InvalidInt(pp.Child("port"), *port.port, m);
      }
    }
    ValidateProtocol(port.protocol, pp.Child("protocol"), errs);
  }
}

void Validate(const Secret& secret, ErrorList& errs) {
  ValidateObjectMeta(secret.meta, true, NameRule::kDNS1123Subdomain, errs);
  FieldPath data("data");
  size_t total = 0;
  for (const auto& [key, value] : secret.data) {
    errs.InvalidEach(data.Key(key), key, IsConfigMapKey(key));
    total += value.size();
  }
  if (total > kMaxSecretSize) errs.TooLong(data, kMaxSecretSize);
  if (secret.type == "kubernetes.io/tls") {
    for (const char* key : {"tls.crt", "tls.key"}) {
      if (secret.data.find(key) == secret.data.end()) errs.Required(data.Key(key));
    }
  }
}

namespace {

// spec.service.ports: at most one http and one https entry; nodePort 0 asks the server to
// allocate one (gateways/node_ports.h checks the range and conflicts, which need the cluster).
void ValidateGatewayPorts(const std::vector<GatewayPort>& ports, const FieldPath& path,
                          ErrorList& errs) {
  std::set<std::string_view> names;
  std::set<int32_t> node_ports;
  for (size_t i = 0; i < ports.size(); ++i) {
    const GatewayPort& port = ports[i];
    FieldPath pp = path.Index(i);
    FieldPath name = pp.Child("name");
    if (port.name.empty()) {
      errs.Required(name);
    } else if (port.name != "http" && port.name != "https") {
      errs.NotSupported(name, port.name, {"http", "https"});
    } else if (!names.insert(port.name).second) {
      errs.Duplicate(name, port.name);
    }
    if (port.port != 0) {
      for (const std::string& m : IsValidPortNum(port.port)) {
        errs.InvalidInt(pp.Child("port"), port.port, m);
      }
    }
    if (port.node_port != 0) {
      FieldPath np = pp.Child("nodePort");
      Messages messages = IsValidPortNum(port.node_port);
      for (const std::string& m : messages) errs.InvalidInt(np, port.node_port, m);
      // Go prints an int32 unquoted: `Duplicate value: 30080`.
      if (messages.empty() && !node_ports.insert(port.node_port).second) {
        errs.Add(Error{ErrorCode::kInvalid, "Duplicate value: " + std::to_string(port.node_port),
                       np.String()});
      }
    }
    if (!port.protocol.empty() && port.protocol != "TCP") {
      errs.NotSupported(pp.Child("protocol"), port.protocol, {"TCP"});
    }
  }
}

}  // namespace

void Validate(const Gateway& gateway, ErrorList& errs) {
  ValidateObjectMeta(gateway.meta, true, NameRule::kDNS1123Subdomain, errs);
  FieldPath spec("spec");
  FieldPath controller = spec.Child("controller");
  FieldPath deployment = spec.Child("deployment");
  FieldPath service = spec.Child("service");
  if (gateway.controller.replicas < 0) {
    errs.InvalidInt(controller.Child("replicas"), gateway.controller.replicas,
                    "must be greater than or equal to 0");
  }
  if (gateway.deployment.replicas < 0) {
    errs.InvalidInt(deployment.Child("replicas"), gateway.deployment.replicas,
                    "must be greater than or equal to 0");
  }
  ValidateAnnotations(gateway.controller.annotations, controller.Child("annotations"), errs);
  ValidateAnnotations(gateway.deployment.annotations, deployment.Child("annotations"), errs);
  ValidateAnnotations(gateway.service.annotations, service.Child("annotations"), errs);
  const std::string& ns = gateway.controller.scope.namespace_;
  if (!ns.empty()) {
    FieldPath scope = controller.Child("scope");
    errs.InvalidEach(scope.Child("namespace"), ns, IsDNS1123Label(ns));
  }
  const std::string& type = gateway.service.type;
  if (type != "NodePort" && type != "LoadBalancer") {
    errs.NotSupported(service.Child("type"), type, {"LoadBalancer", "NodePort"});
  }
  const std::string& lb_ip = gateway.service.load_balancer_ip;
  if (!lb_ip.empty() && !IsIP(lb_ip)) {
    errs.Invalid(service.Child("loadBalancerIP"), lb_ip, kInvalidIPMessage);
  }
  ValidateGatewayPorts(gateway.service.ports, service.Child("ports"), errs);
  FieldPath status("status");
  FieldPath lb = status.Child("loadBalancer");
  FieldPath lb_ingress = lb.Child("ingress");
  for (size_t i = 0; i < gateway.status.load_balancer_ingress.size(); ++i) {
    const std::string& ip = gateway.status.load_balancer_ingress[i].ip;
    FieldPath ip_path = lb_ingress.Index(i);
    if (!ip.empty() && !IsIP(ip)) errs.Invalid(ip_path.Child("ip"), ip, kInvalidIPMessage);
  }
}

}  // namespace waygate::model

// Core (group "") kinds, as kube-apiserver's pkg/printers/internalversion prints them. Fields
// kube's defaulting always fills before anything is printed (Service type and port protocol,
// Secret type, Namespace phase) print with that default when the stored object lacks them.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "printers/printer.h"

namespace waygate::printers::internal {
namespace {

// ---- Namespace ----

Json NamespaceRow(const Json& ns, TimePoint now) {
  std::string phase = Str(GetPath(ns, {"status", "phase"}));
  if (phase.empty()) phase = "Active";  // SetDefaults_NamespaceStatus
  return Json::array({Name(ns), phase, Age(ns, now)});
}

// ---- Service ----

// labels.FormatLabels: sorted k=v pairs, "<none>" when empty.
std::string FormatLabels(const Json* labels) {
  std::vector<std::string> pairs;
  if (labels != nullptr && labels->is_object()) {
    for (const auto& [key, value] : labels->items()) pairs.push_back(key + "=" + Str(&value));
  }
  std::sort(pairs.begin(), pairs.end());  // keys are unique, so this sorts by key
  std::string out = Join(pairs, ",");
  return out.empty() ? "<none>" : out;
}

std::vector<std::string> Strings(const Json* list) {
  std::vector<std::string> out;
  for (const Json& v : Items(list)) out.push_back(Str(&v));
  return out;
}

// loadBalancerStatusStringer with wide=true (the server always prints wide): the sorted,
// de-duplicated IPs, or hostnames where an entry has no IP.
std::string LoadBalancerAddresses(const Json* load_balancer) {
  std::set<std::string> seen;
  if (load_balancer != nullptr) {
    for (const Json& ingress : Items(Get(*load_balancer, "ingress"))) {
      std::string ip = Str(Get(ingress, "ip"));
      std::string hostname = Str(Get(ingress, "hostname"));
      if (!ip.empty()) {
        seen.insert(ip);
      } else if (!hostname.empty()) {
        seen.insert(hostname);
      }
    }
  }
  return Join(std::vector<std::string>(seen.begin(), seen.end()), ",");
}

std::string ServiceType(const Json& svc) {
  std::string type = Str(GetPath(svc, {"spec", "type"}));
  return type.empty() ? "ClusterIP" : type;  // SetDefaults_Service
}

std::string ServiceExternalIP(const Json& svc) {
  const std::string type = ServiceType(svc);
  const std::vector<std::string> external_ips = Strings(GetPath(svc, {"spec", "externalIPs"}));
  if (type == "ClusterIP" || type == "NodePort") {
    return external_ips.empty() ? "<none>" : Join(external_ips, ",");
  }
  if (type == "LoadBalancer") {
    const std::string lb = LoadBalancerAddresses(GetPath(svc, {"status", "loadBalancer"}));
    if (!external_ips.empty()) {
      // The LB addresses (split back into entries) first, then spec.externalIPs.
      return lb.empty() ? Join(external_ips, ",") : lb + "," + Join(external_ips, ",");
    }
    return lb.empty() ? "<pending>" : lb;
  }
  if (type == "ExternalName") return Str(GetPath(svc, {"spec", "externalName"}));
  return "<unknown>";
}

std::string ServicePorts(const Json& svc) {
  std::vector<std::string> pieces;
  for (const Json& port : Items(GetPath(svc, {"spec", "ports"}))) {
    std::string protocol = Str(Get(port, "protocol"));
    if (protocol.empty()) protocol = "TCP";  // SetDefaults_ServicePort
    const int64_t node_port = Int(Get(port, "nodePort"));
    std::string piece = std::to_string(Int(Get(port, "port")));
    if (node_port > 0) piece += ":" + std::to_string(node_port);
    pieces.push_back(piece + "/" + protocol);
  }
  std::string out = Join(pieces, ",");
  return out.empty() ? "<none>" : out;
}

Json ServiceRow(const Json& svc, TimePoint now) {
  // The internal type's ClusterIPs, which defaulting fills from spec.clusterIP.
  std::string cluster_ip = "<none>";
  const Json& cluster_ips = Items(GetPath(svc, {"spec", "clusterIPs"}));
  if (!cluster_ips.empty()) {
    cluster_ip = Str(&cluster_ips[0]);
  } else if (std::string single = Str(GetPath(svc, {"spec", "clusterIP"})); !single.empty()) {
    cluster_ip = single;
  }
  return Json::array({Name(svc), ServiceType(svc), cluster_ip, ServiceExternalIP(svc),
                      ServicePorts(svc), Age(svc, now),
                      FormatLabels(GetPath(svc, {"spec", "selector"}))});
}

// ---- Endpoints ----

// net.JoinHostPort: IPv6 literals get brackets.
std::string JoinHostPort(const std::string& host, int64_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// formatEndpoints with ports=nil: the first three ready address:port pairs, then
// "+ N more..." counting every pair (headless subsets without ports count bare IPs).
std::string FormatEndpoints(const Json& ep) {
  const Json& subsets = Items(Get(ep, "subsets"));
  if (subsets.empty()) return "<none>";
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  int64_t count = 0;
  for (const Json& subset : subsets) {
    const Json& addresses = Items(Get(subset, "addresses"));
    const Json& ports = Items(Get(subset, "ports"));
    if (ports.empty()) {
      count += static_cast<int64_t>(addresses.size());
      for (const Json& address : addresses) {
        if (list.size() == kMax) {
          more = true;
          break;
        }
        list.push_back(Str(Get(address, "ip")));
      }
      continue;
    }
    for (const Json& port : ports) {
      count += static_cast<int64_t>(addresses.size());
      for (const Json& address : addresses) {
        if (list.size() == kMax) {
          more = true;
          break;
        }
        list.push_back(JoinHostPort(Str(Get(address, "ip")), Int(Get(port, "port"))));
      }
    }
  }
  std::string out = Join(list, ",");
  if (more) out += " + " + std::to_string(count - static_cast<int64_t>(kMax)) + " more...";
  return out;
}

Json EndpointsRow(const Json& ep, TimePoint now) {
  return Json::array({Name(ep), FormatEndpoints(ep), Age(ep, now)});
}

// ---- Secret, ConfigMap ----

Json SecretRow(const Json& secret, TimePoint now) {
  std::string type = Str(Get(secret, "type"));
  if (type.empty()) type = "Opaque";  // SetDefaults_Secret
  return Json::array(
      {Name(secret), type, static_cast<int64_t>(MapSize(Get(secret, "data"))), Age(secret, now)});
}

Json ConfigMapRow(const Json& cm, TimePoint now) {
  const auto entries = MapSize(Get(cm, "data")) + MapSize(Get(cm, "binaryData"));
  return Json::array({Name(cm), static_cast<int64_t>(entries), Age(cm, now)});
}

// ---- Node ----

std::string NodeStatus(const Json& node) {
  // Only the Ready condition decides; the last Ready entry wins, as in kube's map.
  std::string ready_status;
  bool has_ready = false;
  for (const Json& cond : Items(GetPath(node, {"status", "conditions"}))) {
    if (Str(Get(cond, "type")) == "Ready") {
      has_ready = true;
      ready_status = Str(Get(cond, "status"));
    }
  }
  std::string status = has_ready ? (ready_status == "True" ? "Ready" : "NotReady") : "Unknown";
  if (Bool(GetPath(node, {"spec", "unschedulable"}))) status += ",SchedulingDisabled";
  return status;
}

// findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role=<role> values.
std::string NodeRoles(const Json& node) {
  constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";
  std::set<std::string> roles;
  const Json* labels = GetPath(node, {"metadata", "labels"});
  if (labels != nullptr && labels->is_object()) {
    for (const auto& [key, value] : labels->items()) {
      if (key.starts_with(kRolePrefix)) {
        if (key.size() > kRolePrefix.size()) roles.insert(key.substr(kRolePrefix.size()));
      } else if (key == "kubernetes.io/role" && !Str(&value).empty()) {
        roles.insert(Str(&value));
      }
    }
  }
  std::string out = Join(std::vector<std::string>(roles.begin(), roles.end()), ",");
  return out.empty() ? "<none>" : out;
}

std::string NodeAddress(const Json& node, std::string_view type) {
  for (const Json& address : Items(GetPath(node, {"status", "addresses"}))) {
    if (Str(Get(address, "type")) == type) return Str(Get(address, "address"));
  }
  return "<none>";
}

std::string OrUnknown(std::string s) { return s.empty() ? "<unknown>" : s; }

Json NodeRow(const Json& node, TimePoint now) {
  const Json* info = GetPath(node, {"status", "nodeInfo"});
  auto info_field = [&](std::string_view key) {
    return info != nullptr ? Str(Get(*info, key)) : std::string();
  };
  return Json::array({Name(node), NodeStatus(node), NodeRoles(node), Age(node, now),
                      info_field("kubeletVersion"), NodeAddress(node, "InternalIP"),
                      NodeAddress(node, "ExternalIP"), OrUnknown(info_field("osImage")),
                      OrUnknown(info_field("kernelVersion")),
                      OrUnknown(info_field("containerRuntimeVersion"))});
}

// ---- Event ----

std::string ToLowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// strings.TrimSpace for the ASCII white space events carry.
std::string TrimSpace(const std::string& s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// formatEventSource: component (else reportingComponent), then ", host" (else instance).
std::string EventSource(const Json& event) {
  std::string component = Str(GetPath(event, {"source", "component"}));
  if (component.empty()) component = Str(Get(event, "reportingComponent"));
  std::string host = Str(GetPath(event, {"source", "host"}));
  if (host.empty()) host = Str(Get(event, "reportingInstance"));
  return host.empty() ? component : component + ", " + host;
}

bool TimeSet(const Json* v) {
  std::optional<Instant> t = ParseTime(Str(v));
  return t && !t->IsZero();
}

Json EventRow(const Json& event, TimePoint now) {
  const Json* first = Get(event, "firstTimestamp");
  std::string first_seen = TimeSet(first) ? Since(first, now) : Since(Get(event, "eventTime"), now);
  const Json* last = Get(event, "lastTimestamp");
  std::string last_seen = TimeSet(last) ? Since(last, now) : first_seen;

  int64_t count = Int(Get(event, "count"));
  if (const Json* series = Get(event, "series"); series != nullptr && series->is_object()) {
    last_seen = Since(Get(*series, "lastObservedTime"), now);
    count = Int(Get(*series, "count"));
  } else if (count == 0) {
    count = 1;  // singleton events of the events.k8s.io API carry no count
  }

  const std::string kind = ToLowerAscii(Str(GetPath(event, {"involvedObject", "kind"})));
  const std::string name = Str(GetPath(event, {"involvedObject", "name"}));
  const std::string target = name.empty() ? kind : kind + "/" + name;

  return Json::array({last_seen, Str(Get(event, "type")), Str(Get(event, "reason")), target,
                      Str(GetPath(event, {"involvedObject", "fieldPath"})), EventSource(event),
                      TrimSpace(Str(Get(event, "message"))), first_seen, count, Name(event)});
}

// ---- Column descriptions (k8s.io/api core/v1 SwaggerDoc) ----

constexpr std::string_view kServiceTypeDoc =
    "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
    "ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a "
    "cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the "
    "selector or if that is not specified, by manual construction of an Endpoints object or "
    "EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints "
    "are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on "
    "ClusterIP and allocates a port on every node which routes to the same endpoints as the "
    "clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if "
    "supported in the current cloud) which routes to the same endpoints as the clusterIP. "
    "\"ExternalName\" aliases this service to the specified externalName. Several other fields do "
    "not apply to ExternalName services. More info: "
    "https://kubernetes.io/docs/concepts/services-networking/service/"
    "#publishing-services-service-types";
constexpr std::string_view kClusterIPDoc =
    "clusterIP is the IP address of the service and is usually assigned randomly. If an address "
    "is specified manually, is in-range (as per system configuration), and is not in use, it will "
    "be allocated to the service; otherwise creation of the service will fail. This field may not "
    "be changed through updates unless the type field is also being changed to ExternalName "
    "(which requires this field to be blank) or the type field is being changed from ExternalName "
    "(in which case this field may optionally be specified, as describe above).  Valid values are "
    "\"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a "
    "\"headless service\" (no virtual IP), which is useful when direct endpoint connections are "
    "preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and "
    "LoadBalancer. If this field is specified when creating a Service of type ExternalName, "
    "creation will fail. This field will be wiped when updating a Service to type ExternalName. "
    "More info: https://kubernetes.io/docs/concepts/services-networking/service/"
    "#virtual-ips-and-service-proxies";
constexpr std::string_view kExternalIPsDoc =
    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
    "traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible "
    "for ensuring that traffic arrives at a node with this IP.  A common example is external "
    "load-balancers that are not part of the Kubernetes system.";
constexpr std::string_view kServicePortsDoc =
    "The list of ports that are exposed by this service. More info: "
    "https://kubernetes.io/docs/concepts/services-networking/service/"
    "#virtual-ips-and-service-proxies";
constexpr std::string_view kServiceSelectorDoc =
    "Route service traffic to pods with label keys and values matching this selector. If empty "
    "or not present, the service is assumed to have an external process managing its endpoints, "
    "which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and "
    "LoadBalancer. Ignored if type is ExternalName. More info: "
    "https://kubernetes.io/docs/concepts/services-networking/service/";
constexpr std::string_view kSubsetsDoc =
    "The set of all endpoints is the union of all subsets. Addresses are placed into subsets "
    "according to the IPs they share. A single address with multiple ports, some of which are "
    "ready and some of which are not (because they come from different containers) will result "
    "in the address being displayed in different subsets for the different ports. No address "
    "will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses "
    "and ports that comprise a service.";
constexpr std::string_view kSecretTypeDoc =
    "Used to facilitate programmatic handling of secret data. More info: "
    "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
constexpr std::string_view kSecretDataDoc =
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' "
    "or '.'. The serialized form of the secret data is a base64 encoded string, representing the "
    "arbitrary (possibly non-string) data value here. Described in "
    "https://tools.ietf.org/html/rfc4648#section-4";
constexpr std::string_view kConfigMapDataDoc =
    "Data contains the configuration data. Each key must consist of alphanumeric characters, "
    "'-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The "
    "keys stored in Data must not overlap with the keys in the BinaryData field, this is "
    "enforced during validation process.";
constexpr std::string_view kNodeAddressesDoc =
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "
    "info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is "
    "declared as mergeable, but the merge key is not sufficiently unique, which can cause data "
    "corruption when it is merged. Callers should instead use a full-replacement patch. See "
    "https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change "
    "during the lifetime of a Node. However, there are some exceptions where this may not be "
    "possible, such as Pods that inherit a Node's address in its own status or consumers of the "
    "downward API (status.hostIP).";
constexpr std::string_view kFieldPathDoc =
    "If referring to a piece of an object instead of an entire object, this string should "
    "contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. "
    "For example, if the object reference is to a container within a pod, this would take on a "
    "value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container "
    "that triggered the event) or if no container name is specified \"spec.containers[2]\" "
    "(container with index 2 in this pod). This syntax is chosen only to have some well-defined "
    "way of referencing a part of an object.";

}  // namespace

const Printer* CorePrinter(std::string_view kind) {
  static const Printer kNamespace{{{"Name", "string", "name", kNameDoc},
                                   {"Status", "string", "", "The status of the namespace"},
                                   {"Age", "string", "", kCreationTimestampDoc}},
                                  NamespaceRow};
  static const Printer kService{{{"Name", "string", "name", kNameDoc},
                                 {"Type", "string", "", kServiceTypeDoc},
                                 {"Cluster-IP", "string", "", kClusterIPDoc},
                                 {"External-IP", "string", "", kExternalIPsDoc},
                                 {"Port(s)", "string", "", kServicePortsDoc},
                                 {"Age", "string", "", kCreationTimestampDoc},
                                 {"Selector", "string", "", kServiceSelectorDoc, 1}},
                                ServiceRow};
  static const Printer kEndpoints{{{"Name", "string", "name", kNameDoc},
                                   {"Endpoints", "string", "", kSubsetsDoc},
                                   {"Age", "string", "", kCreationTimestampDoc}},
                                  EndpointsRow};
  static const Printer kSecret{{{"Name", "string", "name", kNameDoc},
                                {"Type", "string", "", kSecretTypeDoc},
                                {"Data", "string", "", kSecretDataDoc},
                                {"Age", "string", "", kCreationTimestampDoc}},
                               SecretRow};
  static const Printer kConfigMap{{{"Name", "string", "name", kNameDoc},
                                   {"Data", "string", "", kConfigMapDataDoc},
                                   {"Age", "string", "", kCreationTimestampDoc}},
                                  ConfigMapRow};
  static const Printer kNode{
      {{"Name", "string", "name", kNameDoc},
       {"Status", "string", "", "The status of the node"},
       {"Roles", "string", "", "The roles of the node"},
       {"Age", "string", "", kCreationTimestampDoc},
       {"Version", "string", "", "Kubelet Version reported by the node."},
       {"Internal-IP", "string", "", kNodeAddressesDoc, 1},
       {"External-IP", "string", "", kNodeAddressesDoc, 1},
       {"OS-Image", "string", "",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        1},
       {"Kernel-Version", "string", "",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
       {"Container-Runtime", "string", "",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
        "containerd://1.4.2).",
        1}},
      NodeRow};
  static const Printer kEvent{
      {{"Last Seen", "string", "",
        "The time at which the most recent occurrence of this event was recorded."},
       {"Type", "string", "",
        "Type of this event (Normal, Warning), new types could be added in the future"},
       {"Reason", "string", "",
        "This should be a short, machine understandable string that gives the reason for the "
        "transition into the object's current status."},
       {"Object", "string", "", "The object that this event is about."},
       {"Subobject", "string", "", kFieldPathDoc, 1},
       {"Source", "string", "",
        "The component reporting this event. Should be a short machine understandable string.", 1},
       {"Message", "string", "", "A human-readable description of the status of this operation."},
       {"First Seen", "string", "",
        "The time at which the event was first recorded. (Time of server receipt is in "
        "TypeMeta.)",
        1},
       {"Count", "string", "", "The number of times this event has occurred.", 1},
       {"Name", "string", "name", kNameDoc, 1}},
      EventRow};

  static const std::map<std::string_view, const Printer*> kByKind = {
      {"Namespace", &kNamespace}, {"Service", &kService},     {"Endpoints", &kEndpoints},
      {"Secret", &kSecret},       {"ConfigMap", &kConfigMap}, {"Node", &kNode},
      {"Event", &kEvent}};
  auto it = kByKind.find(kind);
  return it == kByKind.end() ? nullptr : it->second;
}

}  // namespace waygate::printers::internal

// Typed Kubernetes objects, only the fields Waygate reads. Decoding (decode.h) fills them from
// JSON; unknown fields are ignored as Kubernetes clients do.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace waygate::model {

using StringMap = std::map<std::string, std::string>;

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  StringMap labels;
  StringMap annotations;
};

// Where an object came from, for error messages ("examples/app.yaml: Ingress demo/web: ...").
struct Origin {
  std::string file;
  int document = 0;  // index of the YAML document inside the file; -1: the whole file
  int item = -1;     // index inside a `kind: List` document's items; -1: not from a List
};

// intstr.IntOrString
struct IntOrString {
  bool is_int = true;
  int32_t int_value = 0;
  std::string str_value;
};

// ---- networking.k8s.io/v1 ----

struct ServiceBackendPort {
  std::string name;  // exactly one of name / number is set
  int32_t number = 0;
};

struct IngressServiceBackend {
  std::string name;
  ServiceBackendPort port;
};

struct TypedLocalObjectReference {
  std::string api_group;
  std::string kind;
  std::string name;
};

struct IngressBackend {
  std::optional<IngressServiceBackend> service;
  std::optional<TypedLocalObjectReference> resource;  // accepted, not served (no such backend)
};

enum class PathType { kExact, kPrefix, kImplementationSpecific };

struct HTTPIngressPath {
  std::string path;  // defaults to "/" for ImplementationSpecific when empty
  PathType path_type = PathType::kImplementationSpecific;
  IngressBackend backend;
};

struct IngressRule {
  std::string host;                    // empty: every host
  std::vector<HTTPIngressPath> paths;  // rule.http.paths
};

struct IngressTLS {
  std::vector<std::string> hosts;
  std::string secret_name;
};

struct Ingress {
  ObjectMeta meta;
  std::optional<std::string> ingress_class_name;
  std::optional<IngressBackend> default_backend;
  std::vector<IngressTLS> tls;
  std::vector<IngressRule> rules;
  Origin origin;
};

struct IngressClass {
  ObjectMeta meta;
  std::string controller;
  Origin origin;
};

// ---- v1 ----

struct ServicePort {
  std::string name;
  std::string protocol = "TCP";
  int32_t port = 0;
  IntOrString target_port;  // defaults to `port`
  int32_t node_port = 0;
};

struct Service {
  ObjectMeta meta;
  std::string type = "ClusterIP";
  std::string cluster_ip;
  std::string external_name;
  StringMap selector;
  std::vector<ServicePort> ports;
  Origin origin;
};

struct EndpointAddress {
  std::string ip;
  std::string hostname;
  std::string node_name;
};

struct EndpointPort {
  std::string name;
  int32_t port = 0;
  std::string protocol = "TCP";
};

struct EndpointSubset {
  std::vector<EndpointAddress> addresses;
  std::vector<EndpointAddress> not_ready_addresses;
  std::vector<EndpointPort> ports;
};

struct Endpoints {
  ObjectMeta meta;  // name == the Service's name
  std::vector<EndpointSubset> subsets;
  Origin origin;
};

// ---- discovery.k8s.io/v1 ----

struct SliceEndpoint {
  std::vector<std::string> addresses;
  // conditions; absent `ready` means ready (Kubernetes: "nil should be interpreted as true")
  std::optional<bool> ready;
  std::optional<bool> serving;
  std::optional<bool> terminating;
};

struct SlicePort {
  std::optional<std::string> name;
  std::optional<int32_t> port;
  std::string protocol = "TCP";
};

struct EndpointSlice {
  ObjectMeta meta;                    // labels["kubernetes.io/service-name"] names the Service
  std::string address_type = "IPv4";  // IPv4 | IPv6 | FQDN
  std::vector<SliceEndpoint> endpoints;
  std::vector<SlicePort> ports;
  Origin origin;
};

struct Secret {
  ObjectMeta meta;
  std::string type = "Opaque";
  std::map<std::string, std::string> data;  // base64-decoded `data` merged with `stringData`
  Origin origin;
};

// ---- gateway.kubesphere.io/v1alpha1 (as KubeSphere 3.x) ----

struct GatewayScope {
  bool enabled = false;
  std::string namespace_;
};

// One entry of a Gateway's spec.service.ports or status.service.ports. The spec takes
// KubeSphere's Service-like shape ({name, port, protocol, nodePort}); only `name` (http|https)
// and `nodePort` (0: allocate) mean anything to Waygate, `port` and `protocol` are kept.
struct GatewayPort {
  std::string name;  // http | https
  int32_t port = 0;
  int32_t node_port = 0;
  std::string protocol;  // empty when absent; "TCP" is the only supported value
};

// core/v1 LoadBalancerIngress: exactly one of ip / hostname.
struct LoadBalancerIngress {
  std::string ip;
  std::string hostname;
};

struct Gateway {
  ObjectMeta meta;
  struct Controller {
    int32_t replicas = 1;
    StringMap annotations;
    StringMap config;  // ingress-nginx ConfigMap keys: gateway-wide settings
    GatewayScope scope;
  } controller;
  struct Deployment {
    int32_t replicas = 1;
    StringMap annotations;
  } deployment;
  struct ServiceSpec {
    std::string type = "NodePort";  // NodePort | LoadBalancer
    StringMap annotations;
    std::string load_balancer_ip;
    std::vector<GatewayPort> ports;  // requested node ports; the server stores its allocation here
  } service;
  // Written by the server (gateways/status.h); read by clients for the access table.
  struct Status {
    std::vector<GatewayPort> ports;                          // status.service.ports
    std::vector<LoadBalancerIngress> load_balancer_ingress;  // status.loadBalancer.ingress
  } status;
  Origin origin;
};

// Everything a gateway node knows about the cluster: the input of route compilation.
struct ClusterState {
  std::vector<Ingress> ingresses;
  std::vector<IngressClass> ingress_classes;
  std::vector<Service> services;
  std::vector<Endpoints> endpoints;
  std::vector<EndpointSlice> endpoint_slices;
  std::vector<Secret> secrets;
  std::vector<Gateway> gateways;
};

// A list of references to objects owned elsewhere; iterates like std::vector<T>.
template <class T>
class RefList {
 public:
  class iterator {
   public:
    explicit iterator(const T* const* p) : p_(p) {}
    const T& operator*() const { return **p_; }
    const T* operator->() const { return *p_; }
    iterator& operator++() {
      ++p_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return p_ != o.p_; }
    bool operator==(const iterator& o) const { return p_ == o.p_; }

   private:
    const T* const* p_;
  };
  void Append(const std::vector<T>& items) {
    for (const T& item : items) ptrs_.push_back(&item);
  }
  void reserve(size_t n) { ptrs_.reserve(n); }
  size_t size() const { return ptrs_.size(); }
  bool empty() const { return ptrs_.empty(); }
  const T& operator[](size_t i) const { return *ptrs_[i]; }
  iterator begin() const { return iterator(ptrs_.data()); }
  iterator end() const { return iterator(ptrs_.data() + ptrs_.size()); }

 private:
  std::vector<const T*> ptrs_;
};

// The same content as ClusterState, by reference, gathered from several ClusterStates (one per
// manifest file, or per informer) without copying a single object: route compilation reads a
// view, so a one-file change with 10,000 Ingresses loaded does not copy 10,000 Ingresses.
struct ClusterView {
  RefList<Ingress> ingresses;
  RefList<IngressClass> ingress_classes;
  RefList<Service> services;
  RefList<Endpoints> endpoints;
  RefList<EndpointSlice> endpoint_slices;
  RefList<Secret> secrets;
  RefList<Gateway> gateways;

  ClusterView() = default;
  ClusterView(const ClusterState& state) { Add(state); }  // NOLINT: a state is a view of itself
  void Add(const ClusterState& s) {
    ingresses.Append(s.ingresses);
    ingress_classes.Append(s.ingress_classes);
    services.Append(s.services);
    endpoints.Append(s.endpoints);
    endpoint_slices.Append(s.endpoint_slices);
    secrets.Append(s.secrets);
    gateways.Append(s.gateways);
  }
};

inline constexpr const char* kControllerName = "waygate.io/ingress-controller";
inline constexpr const char* kGatewayNamespace = "kubesphere-controls-system";
inline constexpr const char* kGatewayNamePrefix = "kubesphere-router-";
inline constexpr const char* kClusterGatewayName = "kubesphere-router-kubesphere-system";

}  // namespace waygate::model

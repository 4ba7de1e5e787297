// discovery.k8s.io and networking.k8s.io kinds (pkg/printers/internalversion), the KubeSphere
// Gateway CRD (apiextensions' table convertor), and apiserver's generic convertor for anything
// without a printer.
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "printers/printer.h"
#include "printers/table.h"

namespace waygate::printers::internal {
namespace {

// ---- EndpointSlice ----

// listWithMoreString: three entries, then "+ N more..."; "<unset>" when there are none.
std::string ListWithMore(const std::vector<std::string>& list, bool more, int64_t count,
                         int64_t max) {
  std::string out = Join(list, ",");
  if (more) return out + " + " + std::to_string(count - max) + " more...";
  return out.empty() ? "<unset>" : out;
}

std::string DiscoveryPorts(const Json& slice) {
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  int64_t count = 0;
  for (const Json& port : Items(Get(slice, "ports"))) {
    if (list.size() < kMax) {
      // A nil port means "all ports"; a name stands in when only the name is set.
      std::string num = "*";
      if (const Json* p = Get(port, "port"); p != nullptr && p->is_number()) {
        num = std::to_string(Int(p));
      } else if (const Json* name = Get(port, "name"); name != nullptr && name->is_string()) {
        num = Str(name);
      }
      list.push_back(num);
    } else if (list.size() == kMax) {
      more = true;
    }
    ++count;
  }
  return ListWithMore(list, more, count, kMax);
}

std::string DiscoveryEndpoints(const Json& slice) {
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  int64_t count = 0;
  for (const Json& endpoint : Items(Get(slice, "endpoints"))) {
    for (const Json& address : Items(Get(endpoint, "addresses"))) {
      if (list.size() < kMax) {
        list.push_back(Str(&address));
      } else if (list.size() == kMax) {
        more = true;
      }
      ++count;
    }
  }
  return ListWithMore(list, more, count, kMax);
}

Json EndpointSliceRow(const Json& slice, TimePoint now) {
  return Json::array({Name(slice), Str(Get(slice, "addressType")), DiscoveryPorts(slice),
                      DiscoveryEndpoints(slice), Age(slice, now)});
}

// ---- Ingress ----

// formatHosts: up to three hosts; rules without a host are skipped but still counted in
// "+ N more...", and an Ingress with no host at all is "*".
std::string IngressHosts(const Json& ingress) {
  constexpr size_t kMax = 3;
  const Json& rules = Items(GetPath(ingress, {"spec", "rules"}));
  std::vector<std::string> list;
  bool more = false;
  for (const Json& rule : rules) {
    if (list.size() == kMax) more = true;
    if (std::string host = Str(Get(rule, "host")); !more && !host.empty()) list.push_back(host);
  }
  if (list.empty()) return "*";
  std::string out = Join(list, ",");
  if (more) {
    out += " + " + std::to_string(static_cast<int64_t>(rules.size()) - kMax) + " more...";
  }
  return out;
}

// ingressLoadBalancerStatusStringer, wide (never clipped): sorted unique IPs or hostnames.
std::string IngressAddress(const Json& ingress) {
  std::set<std::string> seen;
  for (const Json& entry : Items(GetPath(ingress, {"status", "loadBalancer", "ingress"}))) {
    std::string ip = Str(Get(entry, "ip"));
    std::string hostname = Str(Get(entry, "hostname"));
    if (!ip.empty()) {
      seen.insert(ip);
    } else if (!hostname.empty()) {
      seen.insert(hostname);
    }
  }
  return Join(std::vector<std::string>(seen.begin(), seen.end()), ",");
}

// kube's six cells, then Waygate's wide Access and Port/EIP of the gateway serving the
// Ingress's namespace (the seed's access table; the Node IP column is kube's Address already).
Json IngressRow(const Json& ingress, TimePoint now, const TableContext& context) {
  // A present spec.ingressClassName (even "") is printed as is; only a nil pointer is <none>.
  const Json* class_name = GetPath(ingress, {"spec", "ingressClassName"});
  std::string cls = class_name != nullptr && class_name->is_string() ? Str(class_name) : "<none>";
  const std::string ports = Items(GetPath(ingress, {"spec", "tls"})).empty() ? "80" : "80, 443";
  std::string method = "<unknown>";
  std::string port_or_eip = "<unknown>";
  if (context.ingress_access) {
    IngressAccess access = context.ingress_access(Str(GetPath(ingress, {"metadata", "namespace"})));
    method = access.method.empty() ? "<none>" : std::move(access.method);
    port_or_eip = access.port_or_eip.empty() ? "<none>" : std::move(access.port_or_eip);
  }
  return Json::array({Name(ingress), cls, IngressHosts(ingress), IngressAddress(ingress), ports,
                      Age(ingress, now), method, port_or_eip});
}

// ---- IngressClass ----

Json IngressClassRow(const Json& ic, TimePoint now) {
  std::string parameters = "<none>";
  if (const Json* params = GetPath(ic, {"spec", "parameters"});
      params != nullptr && params->is_object()) {
    parameters = Str(Get(*params, "kind"));
    if (const Json* group = Get(*params, "apiGroup"); group != nullptr && group->is_string()) {
      parameters += "." + Str(group);
    }
    parameters += "/" + Str(Get(*params, "name"));
  }
  return Json::array(
      {Name(ic), Str(GetPath(ic, {"spec", "controller"})), parameters, Age(ic, now)});
}

// ---- Custom resources and the generic convertor ----

Json CustomResourceRow(const Json& object, TimePoint now) {
  return Json::array({Name(object), CustomResourceAge(object, now)});
}

// time.Time.UTC().Format(time.RFC3339) of a whole-second instant.
std::string FormatRFC3339(const Instant& t) {
  int64_t days = t.seconds / 86400;
  int64_t secs = t.seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (inverse of DaysFromCivil in fields.cc).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];  // years stay 4 digits (ParseTime reads four), but the compiler cannot know
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

Json DefaultRow(const Json& object, TimePoint) {
  Instant created;
  created.seconds = -62135596800;  // Go's zero time, printed as 0001-01-01T00:00:00Z
  if (std::optional<Instant> t =
          ParseTime(Str(GetPath(object, {"metadata", "creationTimestamp"})))) {
    created = *t;
  }
  return Json::array({Name(object), FormatRFC3339(created)});
}

constexpr std::string_view kAddressTypeDoc =
    "addressType specifies the type of address carried by this EndpointSlice. All addresses in "
    "this slice must be the same type. This field is immutable after creation. The following "
    "address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: "
    "Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.";
constexpr std::string_view kSlicePortsDoc =
    "ports specifies the list of network ports exposed by each endpoint in this slice. Each port "
    "must have a unique name. When ports is empty, it indicates that there are no defined ports. "
    "When a port is defined with a nil port value, it indicates \"all ports\". Each slice may "
    "include a maximum of 100 ports.";
constexpr std::string_view kSliceEndpointsDoc =
    "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of "
    "1000 endpoints.";

}  // namespace

Json CustomResourceAge(const Json& object, TimePoint now) {
  Json age = nullptr;
  if (const Json* ts = GetPath(object, {"metadata", "creationTimestamp"});
      ts != nullptr && ts->is_string()) {
    const std::string& text = ts->get_ref<const std::string&>();
    if (text.empty() || text == "null") {
      age = "<unknown>";
    } else if (std::optional<Instant> t = ParseTime(text); !t) {
      age = "<invalid>";
    } else {
      age = t->IsZero() ? "<unknown>" : HumanDuration(Elapsed(now, *t));
    }
  }
  return age;
}

const Printer* NetworkPrinter(std::string_view group, std::string_view kind) {
  static const Printer kEndpointSlice{{{"Name", "string", "name", kNameDoc},
                                       {"AddressType", "string", "", kAddressTypeDoc},
                                       {"Ports", "string", "", kSlicePortsDoc},
                                       {"Endpoints", "string", "", kSliceEndpointsDoc},
                                       {"Age", "string", "", kCreationTimestampDoc}},
                                      EndpointSliceRow};
  static const Printer kIngress{
      {{"Name", "string", "name", kNameDoc},
       {"Class", "string", "",
        "The name of the IngressClass resource that should be used for additional "
        "configuration"},
       {"Hosts", "string", "",
        "Hosts that incoming requests are matched against before the ingress rule"},
       {"Address", "string", "",
        "Address is a list containing ingress points for the load-balancer"},
       {"Ports", "string", "", "Ports of TLS configurations that open"},
       {"Age", "string", "", kCreationTimestampDoc},
       {"Access", "string", "",
        "How clients reach the gateway serving the Ingress's namespace: NodePort or "
        "LoadBalancer; <none> when no gateway serves it",
        1},
       {"Port/EIP", "string", "",
        "The gateway's http and https node ports (NodePort) or its external IP (LoadBalancer); "
        "open http://<host>:<node port>/ on an address of the Address column, or the host on "
        "the EIP",
        1}},
      nullptr,
      IngressRow};
  static const Printer kIngressClass{
      {{"Name", "string", "name", kNameDoc},
       {"Controller", "string", "", "Controller that is responsible for handling this class"},
       {"Parameters", "string", "", "A reference to a resource with additional parameters"},
       {"Age", "string", "", kCreationTimestampDoc}},
      IngressClassRow};

  static const std::map<std::pair<std::string_view, std::string_view>, const Printer*> kByKind = {
      {{"discovery.k8s.io", "EndpointSlice"}, &kEndpointSlice},
      {{"networking.k8s.io", "Ingress"}, &kIngress},
      {{"networking.k8s.io", "IngressClass"}, &kIngressClass},
      // KubeSphere's CRD (config/crds/gateway.kubesphere.io_gateways.yaml) declares no
      // additionalPrinterColumns, so the apiextensions default applies: Name, Age.
      {{"gateway.kubesphere.io", "Gateway"}, &CustomResourcePrinter()},
  };
  auto it = kByKind.find({group, kind});
  return it == kByKind.end() ? nullptr : it->second;
}

const Printer& CustomResourcePrinter() {
  static const Printer kPrinter{
      {{"Name", "string", "name", kNameDoc}, {"Age", "date", "", kCreationTimestampDoc}},
      CustomResourceRow};
  return kPrinter;
}

const Printer& DefaultPrinter() {
  static const Printer kPrinter{
      {{"Name", "string", "name", kNameDoc}, {"Created At", "date", "", kCreationTimestampDoc}},
      DefaultRow};
  return kPrinter;
}

}  // namespace waygate::printers::internal

// The console's monitoring as subresources, so RBAC decides who sees what as it does for
// kube's pods/log (rules name `ingresses/metrics`, `gateways/metrics`, `gateways/log`; a
// project's Gateway is also checked in its project, authorize.cc):
//   GET .../namespaces/NS/ingresses/NAME/metrics?range=10m|1h|1d
//   GET .../namespaces/kubesphere-controls-system/gateways/NAME/metrics?range=10m|1h|1d
//   GET .../namespaces/kubesphere-controls-system/gateways/NAME/log?tailLines=N&q=KEYWORD
// The figures are this process's gateways' (monitoring::Monitor; src/monitoring/README.md has
// the shapes). The object must exist, so a deleted route's history is not served.
#include <cmath>
#include <cstdlib>

#include "api/api_internal.h"
#include "model/objects.h"
#include "monitoring/monitor.h"

namespace waygate::api {

using nlohmann::json;

namespace {

json Rounded(const std::optional<double>& v) {
  if (!v) return nullptr;
  return std::round(*v * 1e6) / 1e6;  // microseconds: no 0.012500000000000001 in charts
}

json SeriesJson(const monitoring::Series& series, bool connections) {
  json points = json::array();
  for (const monitoring::Point& p : series.points) {
    json point = {{"time", p.time_ms / 1000.0},
                  {"requests", p.requests},
                  {"status4xx", p.status4xx},
                  {"status5xx", p.status5xx},
                  {"successRate", Rounded(p.success_rate)},
                  {"p50", Rounded(p.p50)},
                  {"p95", Rounded(p.p95)},
                  {"p99", Rounded(p.p99)}};
    point["activeConnections"] = connections ? json(p.active_connections) : json(nullptr);
    points.push_back(std::move(point));
  }
  return json{{"range", monitoring::ToString(series.range)},
              {"stepSeconds", series.step_seconds},
              {"points", std::move(points)}};
}

}  // namespace

void Api::Monitoring(Call& call) {
  const ResourceInfo& resource = *call.resource;
  const std::string& sub = call.info.subresource;
  const bool ingress = resource.group == "networking.k8s.io" && resource.resource == "ingresses";
  const bool gateway =
      resource.group == "gateway.kubesphere.io" && resource.resource == "gateways";
  if (!(ingress && sub == "metrics") && !(gateway && (sub == "metrics" || sub == "log"))) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (call.info.name.empty() || call.info.namespace_.empty()) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (call.info.verb != "get") {
    SendStatus(call,
               apistatus::MethodNotSupported(resource.group, resource.resource, call.info.verb));
    return;
  }
  if (!Authorize(call)) return;

  // Parameters are checked before the object is read, as kube validates log options first.
  monitoring::Range range = monitoring::Range::k10m;
  size_t tail = 0;
  if (sub == "metrics") {
    std::string_view text = call.info.Param("range");
    if (!text.empty()) {
      auto parsed = monitoring::ParseRange(text);
      if (!parsed) {
        SendStatus(call, apistatus::BadRequest("range: Unsupported value: \"" +
                                               std::string(text) +
                                               "\": supported values: \"10m\", \"1h\", \"1d\""));
        return;
      }
      range = *parsed;
    }
  } else {
    std::string_view text = call.info.Param("tailLines");
    if (!text.empty()) {
      std::string digits(text);
      char* end = nullptr;
      long long n = std::strtoll(digits.c_str(), &end, 10);
      if (end == digits.c_str() || *end != '\0' || n < 0) {
        SendStatus(call, apistatus::BadRequest("tailLines: Invalid value: \"" + digits +
                                               "\": must be a non-negative integer"));
        return;
      }
      // 0 lines is a valid ask (kubectl --tail=0); the ring's size caps the rest.
      if (n == 0) {
        auto object = registry_.Get(resource, call.info.namespace_, call.info.name);
        if (!object.ok()) return SendError(call, object.error(), call.info.name);
        call.writer.Send(200, "text/plain; charset=utf-8", "", call.warnings);
        return;
      }
      tail = static_cast<size_t>(n);
    }
  }

  auto object = registry_.Get(resource, call.info.namespace_, call.info.name);
  if (!object.ok()) return SendError(call, object.error(), call.info.name);
  const monitoring::Monitor* monitor = options_.monitoring;
  const std::string key = call.info.namespace_ + "/" + call.info.name;

  if (sub == "log") {
    // Lines as kube's pods/log answers: plain text, oldest first, each ending in a newline.
    std::string body;
    if (monitor != nullptr) {
      for (const std::string& line : monitor->GatewayLog(key, tail, call.info.Param("q"))) {
        body += line;
        body += '\n';
      }
    }
    call.writer.Send(200, "text/plain; charset=utf-8", body, call.warnings);
    return;
  }
  monitoring::Series series;
  series.range = range;
  if (monitor != nullptr) {
    series = ingress ? monitor->IngressSeries(call.info.namespace_, call.info.name, range)
                     : monitor->GatewaySeries(key, range);
  }
  json out = SeriesJson(series, gateway);
  out["kind"] = ingress ? "IngressMetrics" : "GatewayMetrics";
  out["apiVersion"] = std::string(kAccessGroup) + "/" + kAccessVersion;
  out["metadata"] = {{"name", call.info.name}, {"namespace", call.info.namespace_}};
  SendJson(call, 200, out);
}

}  // namespace waygate::api

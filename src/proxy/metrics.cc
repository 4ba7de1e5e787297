#include "proxy/metrics.h"

#include <cstdio>

#include "http/h1.h"

namespace waygate::proxy {

MethodLabel ClassifyMethod(std::string_view m) {
  if (m == "GET") return MethodLabel::kGet;
  if (m == "POST") return MethodLabel::kPost;
  if (m == "HEAD") return MethodLabel::kHead;
  if (m == "PUT") return MethodLabel::kPut;
  if (m == "DELETE") return MethodLabel::kDelete;
  if (m == "PATCH") return MethodLabel::kPatch;
  if (m == "OPTIONS") return MethodLabel::kOptions;
  return MethodLabel::kOther;
}

const char* ToString(MethodLabel m) {
  switch (m) {
    case MethodLabel::kGet:
      return "GET";
    case MethodLabel::kHead:
      return "HEAD";
    case MethodLabel::kPost:
      return "POST";
    case MethodLabel::kPut:
      return "PUT";
    case MethodLabel::kDelete:
      return "DELETE";
    case MethodLabel::kPatch:
      return "PATCH";
    case MethodLabel::kOptions:
      return "OPTIONS";
    case MethodLabel::kOther:
      return "OTHER";
  }
  return "OTHER";
}

void RequestStats::Add(const RequestStats& o) {
  for (int i = 0; i < 6; ++i) by_class[i] += o.by_class[i];
  for (int i = 0; i < WorkerCounters::kBuckets; ++i) buckets[i] += o.buckets[i];
  sum += o.sum;
  count += o.count;
}

void Registry::AddRequests(const RequestLabels& labels, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[labels] += n;
}

void Registry::AddRequests(const RequestLabels& labels, const RequestStats& stats) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[labels] += stats.count;
  if (!labels.ingress.empty()) ingresses_[{labels.namespace_, labels.ingress}].Add(stats);
}

void Registry::AddGatewayStats(const std::string& gateway, const RequestStats& stats,
                               int64_t connections) {
  std::lock_guard<std::mutex> lock(mu_);
  GatewayStats& g = gateways_[gateway];
  g.requests.Add(stats);
  g.active_connections += connections;
}

Registry::Totals Registry::MonitoringTotals() const {
  Totals totals;
  std::lock_guard<std::mutex> lock(mu_);
  totals.gateways = gateways_;
  for (const auto& [key, stats] : ingresses_) {
    totals.ingresses.emplace(key.first + "/" + key.second, stats);
  }
  return totals;
}

void Registry::AddWorkerCounters(const WorkerCounters& d) {
  std::lock_guard<std::mutex> lock(mu_);
  totals_.upstream_requests += d.upstream_requests;
  totals_.upstream_connections_opened += d.upstream_connections_opened;
  totals_.upstream_connect_failures += d.upstream_connect_failures;
  totals_.upstream_retries += d.upstream_retries;
  totals_.upstream_ejections += d.upstream_ejections;
  totals_.downstream_connections_accepted += d.downstream_connections_accepted;
  totals_.bad_requests += d.bad_requests;
  totals_.tls_handshakes += d.tls_handshakes;
  totals_.tls_handshakes_resumed += d.tls_handshakes_resumed;
  totals_.tls_handshake_failures += d.tls_handshake_failures;
  for (int i = 0; i < WorkerCounters::kBuckets; ++i) {
    totals_.duration_buckets[i] += d.duration_buckets[i];
  }
  totals_.duration_sum += d.duration_sum;
  totals_.duration_count += d.duration_count;
}

void Registry::SetGauge(const std::string& name, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[name] = value;
}

void Registry::SetCounter(const std::string& name, uint64_t value) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_[name] = value;
}

void Registry::AddCounter(const std::string& name, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_[name] += n;
}

namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Counter(std::string& out, const char* name, const char* help, uint64_t value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " counter\n";
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

// The samples of one labelled histogram series; `labels` is rendered already ("a=\"b\",").
void Histogram(std::string& out, const char* name, const std::string& labels,
               const RequestStats& s) {
  char buf[64];
  uint64_t cumulative = 0;
  for (int i = 0; i < WorkerCounters::kBuckets; ++i) {
    cumulative += s.buckets[i];
    snprintf(buf, sizeof buf, "le=\"%g\"} ", kDurationBounds[i]);
    out += std::string(name) + "_bucket{" + labels + buf + std::to_string(cumulative) + "\n";
  }
  out += std::string(name) + "_bucket{" + labels + "le=\"+Inf\"} " + std::to_string(s.count) +
         "\n";
  snprintf(buf, sizeof buf, "%.6f", s.sum);
  std::string bare = labels.substr(0, labels.empty() ? 0 : labels.size() - 1);  // no last ','
  out += std::string(name) + "_sum{" + bare + "} " + buf + "\n";
  out += std::string(name) + "_count{" + bare + "} " + std::to_string(s.count) + "\n";
}

}  // namespace

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(4096 + requests_.size() * 200);
  out +=
      "# HELP nginx_ingress_controller_requests The total number of client requests\n"
      "# TYPE nginx_ingress_controller_requests counter\n";
  for (const auto& [l, n] : requests_) {
    out += "nginx_ingress_controller_requests{ingress=\"" + Escape(l.ingress) + "\",namespace=\"" +
           Escape(l.namespace_) + "\",service=\"" + Escape(l.service) + "\",status=\"" +
           std::to_string(l.status) + "\",method=\"" + l.method + "\",host=\"" + Escape(l.host) +
           "\",path=\"" + Escape(l.path) + "\"} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP nginx_ingress_controller_request_duration_seconds The request processing time in "
      "seconds (first byte read to last byte written)\n"
      "# TYPE nginx_ingress_controller_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  char buf[128];
  for (int i = 0; i < WorkerCounters::kBuckets; ++i) {
    cumulative += totals_.duration_buckets[i];
    snprintf(buf, sizeof buf,
             "nginx_ingress_controller_request_duration_seconds_bucket{le=\"%g\"} ",
             kDurationBounds[i]);
    out += buf + std::to_string(cumulative) + "\n";
  }
  out += "nginx_ingress_controller_request_duration_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(totals_.duration_count) + "\n";
  snprintf(buf, sizeof buf, "%.6f", totals_.duration_sum);
  out += std::string("nginx_ingress_controller_request_duration_seconds_sum ") + buf + "\n";
  out += "nginx_ingress_controller_request_duration_seconds_count " +
         std::to_string(totals_.duration_count) + "\n";

  Counter(out, "waygate_upstream_requests_total", "Requests sent to upstream endpoints",
          totals_.upstream_requests);
  Counter(out, "waygate_upstream_connections_opened_total",
          "Upstream connections opened (requests minus these reused a kept-alive connection)",
          totals_.upstream_connections_opened);
  Counter(out, "waygate_upstream_connect_failures_total", "Failed upstream connection attempts",
          totals_.upstream_connect_failures);
  Counter(out, "waygate_upstream_retries_total", "Requests retried on another endpoint",
          totals_.upstream_retries);
  Counter(out, "waygate_upstream_ejections_total", "Endpoints ejected by passive health checks",
          totals_.upstream_ejections);
  Counter(out, "waygate_downstream_connections_total", "Client connections accepted",
          totals_.downstream_connections_accepted);
  Counter(out, "waygate_bad_requests_total", "Requests rejected as malformed",
          totals_.bad_requests);
  Counter(out, "waygate_tls_handshakes_total", "TLS handshakes completed",
          totals_.tls_handshakes);
  Counter(out, "waygate_tls_handshakes_resumed_total",
          "TLS handshakes completed by resuming a session (ticket or cache)",
          totals_.tls_handshakes_resumed);
  Counter(out, "waygate_tls_handshake_failures_total",
          "TLS connections that failed before or during the handshake",
          totals_.tls_handshake_failures);
  // Per Ingress and per gateway (the console's monitoring reads the same figures).
  out +=
      "# HELP waygate_ingress_request_duration_seconds The request processing time in seconds, "
      "per Ingress\n"
      "# TYPE waygate_ingress_request_duration_seconds histogram\n";
  for (const auto& [key, stats] : ingresses_) {
    Histogram(out, "waygate_ingress_request_duration_seconds",
              "ingress=\"" + Escape(key.second) + "\",namespace=\"" + Escape(key.first) + "\",",
              stats);
  }
  out +=
      "# HELP waygate_gateway_requests_total Requests a gateway answered, by status class\n"
      "# TYPE waygate_gateway_requests_total counter\n";
  static const char* const kClasses[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& [gateway, g] : gateways_) {
    for (int c = 0; c < 6; ++c) {
      if (g.requests.by_class[c] == 0) continue;
      out += "waygate_gateway_requests_total{gateway=\"" + Escape(gateway) +
             "\",status_class=\"" + kClasses[c] + "\"} " +
             std::to_string(g.requests.by_class[c]) + "\n";
    }
  }
  out +=
      "# HELP waygate_gateway_request_duration_seconds The request processing time in seconds, "
      "per gateway\n"
      "# TYPE waygate_gateway_request_duration_seconds histogram\n";
  for (const auto& [gateway, g] : gateways_) {
    Histogram(out, "waygate_gateway_request_duration_seconds",
              "gateway=\"" + Escape(gateway) + "\",", g.requests);
  }
  out +=
      "# HELP waygate_downstream_connections_active Client connections open now, per gateway\n"
      "# TYPE waygate_downstream_connections_active gauge\n";
  for (const auto& [gateway, g] : gateways_) {
    out += "waygate_downstream_connections_active{gateway=\"" + Escape(gateway) + "\"} " +
           std::to_string(g.active_connections) + "\n";
  }
  for (const auto& [name, v] : counters_) {
    out += "# TYPE " + name + " counter\n" + name + " " + std::to_string(v) + "\n";
  }
  for (const auto& [name, v] : gauges_) {
    snprintf(buf, sizeof buf, "%.6f", v);
    out += "# TYPE " + name + " gauge\n" + name + " " + buf + "\n";
  }
  return out;
}

void RequestCounter::Record(const std::shared_ptr<const route::RouteTable>& table,
                            const route::Route* route, uint16_t status, MethodLabel method,
                            int bucket, double seconds) {
  if (table != table_) {
    // Routes of the previous table stay valid only while we hold it: turn them into labels now.
    FlushRoutes();
    table_ = table;
  }
  counts_[Key{route, status, method}].Record(status, bucket, seconds);
}

uint32_t RequestCounter::Intern(const std::string& gateway) {
  for (size_t i = 0; i < gateway_names_.size(); ++i) {
    if (gateway_names_[i] == gateway) return static_cast<uint32_t>(i);
  }
  gateway_names_.push_back(gateway);
  gateways_.emplace_back();
  return static_cast<uint32_t>(gateway_names_.size() - 1);
}

void RequestCounter::Flush() {
  FlushRoutes();
  for (size_t i = 0; i < gateways_.size(); ++i) {
    GatewayTally& g = gateways_[i];
    if (g.stats.empty() && g.connections == 0) continue;
    registry_->AddGatewayStats(gateway_names_[i], g.stats, g.connections);
    g = GatewayTally{};
  }
}

void RequestCounter::FlushRoutes() {
  for (const auto& [k, n] : counts_) {
    Registry::RequestLabels l;
    if (k.route) {
      l.ingress = k.route->ingress_name;
      l.namespace_ = k.route->ingress_namespace;
      l.service = k.route->service;
      l.host = k.route->host;
      l.path = k.route->path;
    }
    l.method = ToString(k.method);
    l.status = k.status;
    registry_->AddRequests(l, n);
  }
  counts_.clear();
}

}  // namespace waygate::proxy

#include "proxy/metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../route/builders.h"
#include "route/route_table.h"

namespace waygate::proxy {
namespace {

// A parsed Prometheus text exposition (format 0.0.4). Parse() records every violation it finds.
struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::map<std::string, double> samples;     // "name{labels as rendered}" -> value
  std::vector<std::string> sample_order;
  std::vector<std::string> errors;

  static std::string Family(const std::string& name, const std::map<std::string, std::string>& t) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        std::string base = name.substr(0, name.size() - s.size());
        auto it = t.find(base);
        if (it != t.end() && (it->second == "histogram" || it->second == "summary")) return base;
      }
    }
    return name;
  }

  static Exposition Parse(const std::string& text) {
    static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
    static const std::regex kType(
        R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::string kLabel = R"re([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")re";
    static const std::regex kSample(R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)re" + kLabel + "(?:," +
                                    kLabel + R"re()*\})? (\S+))re");
    Exposition e;
    std::set<std::string> helped;
    std::set<std::string> families_seen;  // families that already had samples
    std::string current;                  // family of the last sample
    if (text.empty() || text.back() != '\n') e.errors.push_back("does not end with a newline");
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      const std::string where = "line " + std::to_string(n) + ": " + line;
      if (line.empty()) {
        e.errors.push_back(where + " (empty line)");
      } else if (line.rfind("# HELP ", 0) == 0) {
        if (!std::regex_match(line, m, kHelp)) {
          e.errors.push_back(where);
        } else if (!helped.insert(m[1]).second) {
          e.errors.push_back(where + " (second HELP)");
        }
      } else if (line.rfind("# TYPE ", 0) == 0) {
        if (!std::regex_match(line, m, kType)) {
          e.errors.push_back(where);
        } else if (e.types.count(m[1]) || families_seen.count(m[1])) {
          e.errors.push_back(where + " (TYPE repeated or after samples)");
        } else {
          e.types[m[1]] = m[2];
        }
      } else if (line[0] == '#') {
        // Other comments are allowed.
      } else if (!std::regex_match(line, m, kSample)) {
        e.errors.push_back(where + " (not a sample)");
      } else {
        const std::string family = Family(m[1], e.types);
        if (!e.types.count(family)) e.errors.push_back(where + " (no TYPE for " + family + ")");
        if (family != current && families_seen.count(family)) {
          e.errors.push_back(where + " (family split)");
        }
        families_seen.insert(family);
        current = family;
        char* end = nullptr;
        const std::string value = m[3];
        double v = value == "+Inf" ? 1e308 : std::strtod(value.c_str(), &end);
        if (value != "+Inf" && (end == value.c_str() || *end != '\0')) {
          e.errors.push_back(where + " (bad value)");
        }
        const std::string key = std::string(m[1]) + std::string(m[2]);
        if (e.samples.count(key)) e.errors.push_back(where + " (duplicate series)");
        e.samples[key] = v;
        e.sample_order.push_back(key);
      }
    }
    return e;
  }

  double Get(const std::string& series) const {
    auto it = samples.find(series);
    EXPECT_NE(it, samples.end()) << "missing series " << series;
    return it == samples.end() ? -1 : it->second;
  }
};

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

Registry::RequestLabels Labels(std::string ingress, std::string host, uint16_t status,
                               std::string method = "GET") {
  Registry::RequestLabels l;
  l.ingress = std::move(ingress);
  l.namespace_ = "default";
  l.service = "web";
  l.host = std::move(host);
  l.path = "/";
  l.method = std::move(method);
  l.status = status;
  return l;
}

// The checker itself must reject what Prometheus rejects, or the tests below prove nothing.
TEST(Exposition, CheckerRejectsBrokenText) {
  EXPECT_TRUE(Exposition::Parse("# TYPE a counter\na{x=\"1\"} 2\n").errors.empty());
  EXPECT_FALSE(Exposition::Parse("a 1\n").errors.empty());  // no TYPE
  EXPECT_FALSE(Exposition::Parse("# TYPE a counter\na{x=\"\"\"} 1\n").errors.empty());
  EXPECT_FALSE(Exposition::Parse("# TYPE a counter\na{x=\"\n\"} 1\n").errors.empty());
  EXPECT_FALSE(Exposition::Parse("# TYPE a counter\na{x=\"\\q\"} 1\n").errors.empty());
  EXPECT_FALSE(Exposition::Parse("# TYPE a counter\na one\n").errors.empty());
  EXPECT_FALSE(Exposition::Parse("# TYPE a counter\na 1\n# TYPE a counter\n").errors.empty());
  EXPECT_FALSE(Exposition::Parse("# TYPE a counter\na 1").errors.empty());  // no final newline
}

TEST(Registry, EmptyRenderIsValidAndHasTheIngressNginxFamilies) {
  Registry registry;
  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  EXPECT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  EXPECT_EQ(e.types["nginx_ingress_controller_requests"], "counter");
  EXPECT_EQ(e.types["nginx_ingress_controller_request_duration_seconds"], "histogram");
  EXPECT_EQ(e.types["waygate_upstream_requests_total"], "counter");
  EXPECT_EQ(e.types["waygate_upstream_connections_opened_total"], "counter");
  EXPECT_EQ(e.Get("waygate_upstream_requests_total"), 0);
  EXPECT_EQ(e.Get("nginx_ingress_controller_request_duration_seconds_count"), 0);
  EXPECT_NE(text.find("# HELP nginx_ingress_controller_requests "), std::string::npos);
}

TEST(Registry, RequestsCarryTheirLabelsAndAccumulate) {
  Registry registry;
  registry.AddRequests(Labels("shop", "shop.example.com", 200), 3);
  registry.AddRequests(Labels("shop", "shop.example.com", 200), 4);
  registry.AddRequests(Labels("shop", "shop.example.com", 503), 1);
  registry.AddRequests(Labels("shop", "shop.example.com", 200, "POST"), 2);
  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  ASSERT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  const std::string prefix =
      "nginx_ingress_controller_requests{ingress=\"shop\",namespace=\"default\","
      "service=\"web\",status=\"";
  EXPECT_EQ(e.Get(prefix + "200\",method=\"GET\",host=\"shop.example.com\",path=\"/\"}"), 7);
  EXPECT_EQ(e.Get(prefix + "503\",method=\"GET\",host=\"shop.example.com\",path=\"/\"}"), 1);
  EXPECT_EQ(e.Get(prefix + "200\",method=\"POST\",host=\"shop.example.com\",path=\"/\"}"), 2);
}

TEST(Registry, LabelValuesAreEscaped) {
  Registry registry;
  Registry::RequestLabels l = Labels("we\"ird\\name\nx", "h\"ost", 200);
  l.path = "/a\nb\\";
  registry.AddRequests(l, 1);
  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  EXPECT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  EXPECT_NE(text.find(R"(ingress="we\"ird\\name\nx")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(host="h\"ost")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(path="/a\nb\\")"), std::string::npos) << text;
}

TEST(Registry, WorkerCountersAccumulateAcrossFlushes) {
  Registry registry;
  WorkerCounters a;
  a.upstream_requests = 10;
  a.upstream_connections_opened = 2;
  a.upstream_connect_failures = 1;
  a.upstream_retries = 1;
  a.upstream_ejections = 0;
  a.downstream_connections_accepted = 4;
  a.bad_requests = 3;
  WorkerCounters b;
  b.upstream_requests = 5;
  b.upstream_connections_opened = 1;
  b.upstream_ejections = 2;
  b.bad_requests = 1;
  registry.AddWorkerCounters(a);
  registry.AddWorkerCounters(b);
  registry.AddWorkerCounters(a);
  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  ASSERT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  EXPECT_EQ(e.Get("waygate_upstream_requests_total"), 25);
  EXPECT_EQ(e.Get("waygate_upstream_connections_opened_total"), 5);
  EXPECT_EQ(e.Get("waygate_upstream_connect_failures_total"), 2);
  EXPECT_EQ(e.Get("waygate_upstream_retries_total"), 2);
  EXPECT_EQ(e.Get("waygate_upstream_ejections_total"), 2);
  EXPECT_EQ(e.Get("waygate_downstream_connections_total"), 8);
  EXPECT_EQ(e.Get("waygate_bad_requests_total"), 7);
}

TEST(Registry, DurationHistogramIsCumulativeAndEndsWithCount) {
  Registry registry;
  WorkerCounters w;
  // Per-bucket (non-cumulative) counts as a worker records them; two requests took over 30 s
  // and so sit in no finite bucket.
  const uint64_t per_bucket[WorkerCounters::kBuckets] = {5, 0, 3, 1, 0, 0, 2, 0, 0, 1, 0, 4};
  uint64_t finite = 0;
  for (int i = 0; i < WorkerCounters::kBuckets; ++i) {
    w.duration_buckets[i] = per_bucket[i];
    finite += per_bucket[i];
  }
  w.duration_count = finite + 2;
  w.duration_sum = 123.5;
  registry.AddWorkerCounters(w);
  registry.AddWorkerCounters(w);
  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  ASSERT_TRUE(e.errors.empty()) << Joined(e.errors) << text;

  const std::string name = "nginx_ingress_controller_request_duration_seconds";
  const std::vector<std::string> le = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                       "1",     "2.5",  "5",     "10",   "30",  "+Inf"};
  std::vector<std::string> bucket_series;
  for (const auto& key : e.sample_order) {
    if (key.rfind(name + "_bucket{", 0) == 0) bucket_series.push_back(key);
  }
  ASSERT_EQ(bucket_series.size(), le.size());
  double expected = 0;
  for (size_t i = 0; i < le.size(); ++i) {
    // Buckets appear in increasing order of le.
    EXPECT_EQ(bucket_series[i], name + "_bucket{le=\"" + le[i] + "\"}");
    if (i < WorkerCounters::kBuckets) expected += 2.0 * per_bucket[i];
    const double v = e.Get(name + "_bucket{le=\"" + le[i] + "\"}");
    if (i + 1 < le.size()) {
      EXPECT_EQ(v, expected) << "le=" << le[i];
    }
  }
  EXPECT_EQ(e.Get(name + "_bucket{le=\"30\"}"), 2.0 * finite);
  EXPECT_EQ(e.Get(name + "_bucket{le=\"+Inf\"}"), e.Get(name + "_count"));
  EXPECT_EQ(e.Get(name + "_count"), 2.0 * (finite + 2));
  EXPECT_DOUBLE_EQ(e.Get(name + "_sum"), 247.0);
}

TEST(Registry, NamedCountersAndGauges) {
  Registry registry;
  registry.AddCounter("waygate_config_reloads_total", 2);
  registry.AddCounter("waygate_config_reloads_total", 3);
  registry.SetGauge("waygate_config_last_reload_successful", 0);
  registry.SetGauge("waygate_config_last_reload_successful", 1);
  // SetCounter mirrors a counter kept elsewhere (e.g. pool stats): the latest value wins.
  registry.SetCounter("waygate_upstream_connections_reused_total", 40);
  registry.SetCounter("waygate_upstream_connections_reused_total", 42);
  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  ASSERT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  EXPECT_EQ(e.types["waygate_config_reloads_total"], "counter");
  EXPECT_EQ(e.Get("waygate_config_reloads_total"), 5);
  EXPECT_EQ(e.types["waygate_config_last_reload_successful"], "gauge");
  EXPECT_EQ(e.Get("waygate_config_last_reload_successful"), 1);
  EXPECT_EQ(e.types["waygate_upstream_connections_reused_total"], "counter");
  EXPECT_EQ(e.Get("waygate_upstream_connections_reused_total"), 42);
}

TEST(MethodLabel, KnownMethodsAndEverythingElse) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    EXPECT_STREQ(ToString(ClassifyMethod(m)), m);
  }
  EXPECT_EQ(ClassifyMethod("get"), MethodLabel::kOther);  // methods are case-sensitive
  EXPECT_EQ(ClassifyMethod("BREW"), MethodLabel::kOther);
  EXPECT_EQ(ClassifyMethod(""), MethodLabel::kOther);
  EXPECT_STREQ(ToString(MethodLabel::kOther), "OTHER");
}

// ---- RequestCounter ----

using route::testing::CompileState;
using route::testing::IngressBuilder;
using route::testing::MakeService;
using route::testing::ServiceBackend;

std::shared_ptr<const route::RouteTable> ShopTable() {
  model::ClusterState state;
  state.services = {MakeService("shop", "web"), MakeService("shop", "api")};
  state.ingresses = {
      IngressBuilder("shop", "front")
          .Rule("shop.example.com")
          .Path("/", model::PathType::kPrefix, ServiceBackend("web", 80)),
      IngressBuilder("shop", "api")
          .Rule("api.example.com")
          .Path("/v1", model::PathType::kPrefix, ServiceBackend("api", 80)),
  };
  auto compiled = CompileState(state);
  EXPECT_TRUE(compiled.diagnostics.empty());
  return compiled.table;
}

const std::string kFrontGet200 =
    "nginx_ingress_controller_requests{ingress=\"front\",namespace=\"shop\",service=\"web\","
    "status=\"200\",method=\"GET\",host=\"shop.example.com\",path=\"/\"}";
const std::string kApiPost201 =
    "nginx_ingress_controller_requests{ingress=\"api\",namespace=\"shop\",service=\"api\","
    "status=\"201\",method=\"POST\",host=\"api.example.com\",path=\"/v1\"}";

TEST(RequestCounter, NothingReachesTheRegistryBeforeAFlush) {
  Registry registry;
  RequestCounter counter(&registry);
  auto table = ShopTable();
  counter.Record(table, table->Lookup("shop.example.com", "/"), 200, MethodLabel::kGet);
  Exposition e = Exposition::Parse(registry.Render());
  EXPECT_EQ(e.samples.count(kFrontGet200), 0u);
  counter.Flush();
  e = Exposition::Parse(registry.Render());
  EXPECT_EQ(e.Get(kFrontGet200), 1);
  // A second flush adds nothing: counts are moved, not copied.
  counter.Flush();
  EXPECT_EQ(Exposition::Parse(registry.Render()).Get(kFrontGet200), 1);
}

TEST(RequestCounter, TableSwitchFlushesTheOldTablesCountsWithoutLoss) {
  Registry registry;
  RequestCounter counter(&registry);
  auto first = ShopTable();
  std::weak_ptr<const route::RouteTable> first_weak = first;
  const route::Route* front = first->Lookup("shop.example.com", "/");
  const route::Route* api = first->Lookup("api.example.com", "/v1/orders");
  ASSERT_NE(front, nullptr);
  ASSERT_NE(api, nullptr);
  for (int i = 0; i < 3; ++i) counter.Record(first, front, 200, MethodLabel::kGet);
  counter.Record(first, api, 201, MethodLabel::kPost);
  // The snapshot is replaced; the counter alone keeps the old routes alive until it flushes.
  first.reset();
  EXPECT_FALSE(first_weak.expired());

  auto second = ShopTable();
  counter.Record(second, second->Lookup("shop.example.com", "/"), 200, MethodLabel::kGet);
  // The switch flushed the first table's counts and let it go.
  EXPECT_TRUE(first_weak.expired());
  Exposition e = Exposition::Parse(registry.Render());
  EXPECT_EQ(e.Get(kFrontGet200), 3);
  EXPECT_EQ(e.Get(kApiPost201), 1);

  counter.Record(second, second->Lookup("shop.example.com", "/"), 200, MethodLabel::kGet);
  counter.Flush();
  e = Exposition::Parse(registry.Render());
  EXPECT_TRUE(e.errors.empty()) << Joined(e.errors);
  EXPECT_EQ(e.Get(kFrontGet200), 5);  // same labels in both tables: one series
  EXPECT_EQ(e.Get(kApiPost201), 1);
}

TEST(RequestCounter, UnmatchedRequestsCountWithEmptyRouteLabels) {
  Registry registry;
  RequestCounter counter(&registry);
  auto table = ShopTable();
  ASSERT_EQ(table->Lookup("nowhere.example.com", "/"), nullptr);
  counter.Record(table, nullptr, 404, MethodLabel::kOther);
  counter.Record(table, nullptr, 404, MethodLabel::kOther);
  counter.Flush();
  Exposition e = Exposition::Parse(registry.Render());
  EXPECT_EQ(e.Get("nginx_ingress_controller_requests{ingress=\"\",namespace=\"\",service=\"\","
                  "status=\"404\",method=\"OTHER\",host=\"\",path=\"\"}"),
            2);
}


// ---- per-ingress and per-gateway figures (the console's monitoring) ----

namespace monitoring_figures {

const std::string kIngressFront =
    "waygate_ingress_request_duration_seconds_bucket{ingress=\"front\",namespace=\"shop\",le=\"";

TEST(RequestCounter, DurationsFeedAPerIngressHistogramOnFlush) {
  Registry registry;
  RequestCounter counter(&registry);
  auto table = ShopTable();
  const route::Route* front = table->Lookup("shop.example.com", "/");
  const route::Route* api = table->Lookup("api.example.com", "/v1/x");
  counter.Record(table, front, 200, MethodLabel::kGet, DurationBucket(0.003), 0.003);
  counter.Record(table, front, 200, MethodLabel::kGet, DurationBucket(0.2), 0.2);
  counter.Record(table, front, 404, MethodLabel::kGet, DurationBucket(0.2), 0.2);
  counter.Record(table, front, 502, MethodLabel::kPost, DurationBucket(45), 45);
  counter.Record(table, api, 201, MethodLabel::kPost, DurationBucket(0.04), 0.04);
  counter.Record(table, nullptr, 404, MethodLabel::kGet, 0, 0.001);  // no Ingress: no series
  EXPECT_TRUE(registry.MonitoringTotals().ingresses.empty()) << "nothing before the flush";
  counter.Flush();

  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  ASSERT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  EXPECT_EQ(e.types["waygate_ingress_request_duration_seconds"], "histogram");
  EXPECT_EQ(e.Get(kIngressFront + "0.005\"}"), 1);
  EXPECT_EQ(e.Get(kIngressFront + "0.1\"}"), 1);
  EXPECT_EQ(e.Get(kIngressFront + "0.25\"}"), 3);
  EXPECT_EQ(e.Get(kIngressFront + "30\"}"), 3);
  EXPECT_EQ(e.Get(kIngressFront + "+Inf\"}"), 4);
  EXPECT_EQ(e.Get("waygate_ingress_request_duration_seconds_count{ingress=\"front\","
                  "namespace=\"shop\"}"),
            4);
  EXPECT_NEAR(e.Get("waygate_ingress_request_duration_seconds_sum{ingress=\"front\","
                    "namespace=\"shop\"}"),
              45.403, 1e-6);
  EXPECT_EQ(e.Get("waygate_ingress_request_duration_seconds_count{ingress=\"api\","
                  "namespace=\"shop\"}"),
            1);
  // The existing series are unchanged by the durations.
  EXPECT_EQ(e.Get(kFrontGet200), 2);

  auto totals = registry.MonitoringTotals();
  ASSERT_EQ(totals.ingresses.size(), 2u);
  const RequestStats& f = totals.ingresses.at("shop/front");
  EXPECT_EQ(f.count, 4u);
  EXPECT_EQ(f.by_class[2], 2u);
  EXPECT_EQ(f.by_class[4], 1u);
  EXPECT_EQ(f.by_class[5], 1u);
  EXPECT_EQ(f.buckets[0], 1u);
  EXPECT_EQ(f.buckets[5], 2u);

  // A second flush adds nothing; new requests add to the same series.
  counter.Flush();
  counter.Record(table, front, 200, MethodLabel::kGet, DurationBucket(0.003), 0.003);
  counter.Flush();
  EXPECT_EQ(registry.MonitoringTotals().ingresses.at("shop/front").count, 5u);
}

TEST(RequestCounter, GatewayFiguresAndOpenConnectionsPerGateway) {
  Registry registry;
  RequestCounter counter(&registry);
  const uint32_t a = counter.Intern("kubesphere-controls-system/kubesphere-router-shop");
  const uint32_t b = counter.Intern("kubesphere-controls-system/kubesphere-router-blog");
  EXPECT_EQ(counter.Intern("kubesphere-controls-system/kubesphere-router-shop"), a);
  EXPECT_NE(a, b);
  counter.ConnectionOpened(a);
  counter.ConnectionOpened(a);
  counter.ConnectionOpened(b);
  counter.RecordGateway(a, 200, DurationBucket(0.02), 0.02);
  counter.RecordGateway(a, 503, DurationBucket(0.02), 0.02);
  counter.Flush();
  counter.ConnectionClosed(a);
  counter.ConnectionClosed(b);
  counter.RecordGateway(b, 404, DurationBucket(2), 2);
  counter.Flush();

  auto totals = registry.MonitoringTotals();
  const GatewayStats& shop = totals.gateways.at("kubesphere-controls-system/kubesphere-router-shop");
  EXPECT_EQ(shop.active_connections, 1);
  EXPECT_EQ(shop.requests.count, 2u);
  EXPECT_EQ(shop.requests.by_class[5], 1u);
  const GatewayStats& blog = totals.gateways.at("kubesphere-controls-system/kubesphere-router-blog");
  EXPECT_EQ(blog.active_connections, 0);
  EXPECT_EQ(blog.requests.by_class[4], 1u);

  const std::string text = registry.Render();
  Exposition e = Exposition::Parse(text);
  ASSERT_TRUE(e.errors.empty()) << Joined(e.errors) << text;
  EXPECT_EQ(e.types["waygate_downstream_connections_active"], "gauge");
  EXPECT_EQ(e.Get("waygate_downstream_connections_active{gateway=\"kubesphere-controls-system/"
                  "kubesphere-router-shop\"}"),
            1);
  EXPECT_EQ(e.Get("waygate_gateway_requests_total{gateway=\"kubesphere-controls-system/"
                  "kubesphere-router-shop\",status_class=\"5xx\"}"),
            1);
  EXPECT_EQ(e.Get("waygate_gateway_request_duration_seconds_bucket{gateway=\"kubesphere-"
                  "controls-system/kubesphere-router-blog\",le=\"2.5\"}"),
            1);
  EXPECT_EQ(e.Get("waygate_gateway_request_duration_seconds_bucket{gateway=\"kubesphere-"
                  "controls-system/kubesphere-router-blog\",le=\"1\"}"),
            0);
}

TEST(DurationBucket, BoundsAreInclusive) {
  EXPECT_EQ(DurationBucket(0), 0);
  EXPECT_EQ(DurationBucket(0.005), 0);
  EXPECT_EQ(DurationBucket(0.0051), 1);
  EXPECT_EQ(DurationBucket(30), WorkerCounters::kBuckets - 1);
  EXPECT_EQ(DurationBucket(30.5), WorkerCounters::kBuckets);
}

// ---- RecentLog ----

LogRecord Line(uint32_t gateway, std::string_view target, uint16_t status = 200) {
  LogRecord r;
  r.unix_seconds = 1'700'000'000;
  r.request_time_s = 0.012;
  r.body_bytes_sent = 5;
  r.status = status;
  r.gateway = gateway;
  r.remote_addr.Set("10.0.0.1");
  r.method.Set("GET");
  r.host.Set("shop.example.com");
  r.target.Set(target);
  r.user_agent.Set("curl/8");
  r.request_id.Set("abc123");
  r.upstream_addr.Set("10.1.0.7:8080");
  r.namespace_.Set("shop");
  r.ingress.Set("front");
  r.service.Set("web");
  r.service_port.Set("80");
  return r;
}

TEST(RecentLog, FormatsOnReadInCombinedPlusUpstreamInfo) {
  std::string line = FormatLogLine(Line(0, "/a?\"x\""));
  EXPECT_NE(line.find("10.0.0.1 - - ["), std::string::npos) << line;
  EXPECT_NE(line.find("] \"GET /a?\\x22x\\x22 HTTP/1.1\" 200 5 \"-\" \"curl/8\" 0.012 "
                      "[shop-web-80] [shop/front] 10.1.0.7:8080 abc123"),
            std::string::npos)
      << line;
  LogRecord none = Line(0, "/");
  none.ingress.Set("");
  none.service.Set("");
  none.upstream_addr.Set("");
  line = FormatLogLine(none);
  EXPECT_NE(line.find(" [-] [-] - abc123"), std::string::npos) << line;
}

TEST(RecentLog, KeepsTheLastLinesPerGatewayAndFiltersByKeyword) {
  RecentLog log;
  const std::vector<std::string> names = {"ns/a", "ns/b"};
  std::vector<LogRecord> records;
  for (int i = 0; i < 1200; ++i) records.push_back(Line(0, "/a/" + std::to_string(i)));
  records.push_back(Line(1, "/b/only", 503));
  log.Add(names, records.data(), records.size());

  auto all = log.Tail("ns/a", 0, "");
  ASSERT_EQ(all.size(), RecentLog::kLinesPerGateway);
  EXPECT_NE(all.front().find("/a/200 "), std::string::npos) << all.front();  // oldest kept
  EXPECT_NE(all.back().find("/a/1199 "), std::string::npos) << all.back();
  auto tail = log.Tail("ns/a", 3, "");
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_NE(tail[0].find("/a/1197 "), std::string::npos);
  EXPECT_NE(tail[2].find("/a/1199 "), std::string::npos);
  // Keyword: case-insensitive substring of the line.
  auto hits = log.Tail("ns/a", 0, "/A/119");
  ASSERT_EQ(hits.size(), 10u);  // /a/1190../a/1199 (/a/119 is no longer kept)
  EXPECT_NE(hits.front().find("/a/1190 "), std::string::npos);
  EXPECT_EQ(log.Tail("ns/a", 2, "/a/119").size(), 2u);
  auto b = log.Tail("ns/b", 10, "");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].find("\" 503 "), std::string::npos);
  EXPECT_TRUE(log.Tail("ns/c", 10, "").empty());
  EXPECT_TRUE(log.Tail("ns/b", 10, "no such thing").empty());
}

TEST(RecentLogBuffer, KeepsTheNewestPendingRecordsInOrder) {
  RecentLog log;
  RecentLogBuffer buffer;
  const std::vector<std::string> names = {"ns/a"};
  const size_t n = RecentLogBuffer::kPending + 10;
  for (size_t i = 0; i < n; ++i) buffer.Next() = Line(0, "/p/" + std::to_string(i));
  buffer.Flush(names, &log);
  auto lines = log.Tail("ns/a", 0, "");
  ASSERT_EQ(lines.size(), RecentLogBuffer::kPending);
  EXPECT_NE(lines.front().find("/p/10 "), std::string::npos) << lines.front();
  EXPECT_NE(lines.back().find("/p/" + std::to_string(n - 1) + " "), std::string::npos);
  buffer.Flush(names, &log);  // nothing pending: nothing added
  EXPECT_EQ(log.Tail("ns/a", 0, "").size(), RecentLogBuffer::kPending);
}

TEST(LogField, TruncatesAtItsSize) {
  LogField<4> f;
  f.Set("abcdef");
  EXPECT_EQ(f.view(), "abcd");
  f.Set("");
  EXPECT_EQ(f.view(), "");
}

}  // namespace monitoring_figures

}  // namespace
}  // namespace waygate::proxy

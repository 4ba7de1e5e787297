// `waygate serve --data-dir DIR --api-listen ADDR --node-ip IP`: the all-in-one node. The
// Kubernetes-compatible API over HTTPS on the embedded store, plus a gateway node that follows
// that API (data_plane.h), in one process.
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include "api/api.h"
#include "api/http_server.h"
#include "apistatus/errors.h"
#include "base/log.h"
#include "commands.h"
#include "controller/gateway_status.h"
#include "controller/ingress_events.h"
#include "dns/server.h"
#include "dns/zone.h"
#include "flags.h"
#include "gateways/ranges.h"
#include "net/address.h"
#include "pki/kubeconfig.h"
#include "pki/pki.h"
#include "pki/server_context.h"
#include "api_gateway.h"
#include "bootstrap.h"
#include "data_plane.h"
#include "gateway_node.h"
#include "tls_wiring.h"
#include "demo.h"
#include "kubeclient/config.h"
#include "monitoring/monitor.h"
#include "serve_state.h"
#include "sync/api_source.h"
#include "signals.h"
#include "user_token.h"
#include "store/compactor.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::cmd {
namespace {

int Fail(const std::string& message) {
  fprintf(stderr, "waygate serve: %s\n", message.c_str());
  return 2;
}

constexpr bool SameDurationBounds() {
  for (int i = 0; i < monitoring::kBuckets; ++i) {
    if (proxy::kDurationBounds[i] != monitoring::kBounds[i]) return false;
  }
  return true;
}
static_assert(monitoring::kBuckets == proxy::WorkerCounters::kBuckets && SameDurationBounds(),
              "the monitoring ring reads the gateways' duration buckets as they are");

monitoring::Counters CountersOf(const proxy::RequestStats& s, int64_t active_connections) {
  monitoring::Counters c;
  c.requests = s.count;
  c.status4xx = s.by_class[4];
  c.status5xx = s.by_class[5];
  for (int i = 0; i < monitoring::kBuckets; ++i) c.buckets[i] = s.buckets[i];
  c.active_connections = active_connections;
  return c;
}

// The in-process data plane's figures and log lines, as the monitoring ring reads them.
void AttachMonitor(monitoring::Monitor& monitor, const proxy::Registry& registry) {
  monitor.Attach(
      [&registry] {
        proxy::Registry::Totals in = registry.MonitoringTotals();
        monitoring::Totals out;
        for (const auto& [name, g] : in.gateways) {
          out.gateways.emplace(name, CountersOf(g.requests, g.active_connections));
        }
        for (const auto& [key, stats] : in.ingresses) {
          out.ingresses.emplace(key, CountersOf(stats, 0));
        }
        return out;
      },
      [&registry](const std::string& gateway, size_t tail, std::string_view keyword) {
        return registry.recent_log().Tail(gateway, tail, keyword);
      });
}

std::string HostOf(const std::string& address) {
  if (!address.empty() && address[0] == '[') return address.substr(1, address.find(']') - 1);
  return address.substr(0, address.rfind(':'));
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"data-dir", "api-listen", "node-ip", "store", "log-level",
                                   "compaction-interval", "http-listen", "https-listen", "admin-listen",
                                   "default-ssl-certificate",
                                   "workers", "ingress-class", "access-log",
                                   "access-log-format", "nodeport-range", "dns-listen", "node-name",
                                   "node-external-ip", "heartbeat-interval", "lb-pool",
                                   "lb-http-port", "lb-https-port", "node-grace-period", "demo",
                                   "monitoring-step"},
                            {"demo"});
  if (!flags.ok()) return Fail(flags.error().message);
  const Flags& f = *flags;
  if (!SetLogLevel(f.Get("log-level", "info"))) {
    return Fail("--log-level must be debug, info, warn or error");
  }
  if (!f.Has("data-dir")) return Fail("--data-dir DIR is required");
  std::string dir = f.Get("data-dir");
  std::vector<std::string> node_ips = f.GetAll("node-ip");
  if (node_ips.empty()) node_ips.push_back("127.0.0.1");
  const std::string node_ip = node_ips.front();  // the certificate's and kubeconfig's address
  auto node_flags = ParseNodeFlags(f);
  if (!node_flags.ok()) return Fail(node_flags.error().message);
  node_flags->node_ips = node_ips;  // with serve's default
  auto api_addr = net::ParseAddress(f.Get("api-listen", "127.0.0.1:6443"));
  if (!api_addr.ok()) return Fail("--api-listen: " + api_addr.error().message);
  auto compaction = ParseDuration(f.Get("compaction-interval", "5m"));
  if (!compaction.ok() || compaction->count() <= 0) {
    return Fail("--compaction-interval: want a duration such as 5m, 30s or 500ms");
  }
  auto node_port_range = gateways::ParsePortRange(f.Get("nodeport-range", "30000-32767"));
  if (!node_port_range.ok()) return Fail("--nodeport-range: " + node_port_range.error().message);
  gateways::AddressPool lb_pool;
  if (f.Has("lb-pool")) {
    auto pool = gateways::ParseAddressPool(f.GetAll("lb-pool"));
    if (!pool.ok()) return Fail("--lb-pool: " + pool.error().message);
    lb_pool = *pool;
  }
  const gateways::LbPorts lb_ports = node_flags->lb_ports;
  // Hidden: the monitoring ring's step (10 s), shorter in tests.
  auto monitoring_step = ParseDuration(f.Get("monitoring-step", "10s"));
  if (!monitoring_step.ok() || monitoring_step->count() < 10) {
    return Fail("--monitoring-step: want a duration of at least 10ms, such as 10s");
  }
  auto node_grace = ParseDuration(f.Get("node-grace-period", "40s"));
  if (!node_grace.ok() || node_grace->count() <= 0) {
    return Fail("--node-grace-period: want a duration such as 40s");
  }
  std::optional<net::Address> dns_addr;
  if (f.Has("dns-listen")) {
    auto parsed = net::ParseAddress(f.Get("dns-listen"));
    if (!parsed.ok()) return Fail("--dns-listen: " + parsed.error().message);
    dns_addr = *parsed;
  }
  auto http_addr = net::ParseAddress(f.Get("http-listen", "0.0.0.0:8080"));
  if (!http_addr.ok()) return Fail("--http-listen: " + http_addr.error().message);
  auto admin_addr = net::ParseAddress(f.Get("admin-listen", "127.0.0.1:10254"));
  if (!admin_addr.ok()) return Fail("--admin-listen: " + admin_addr.error().message);
  auto https_listen = ParseHttpsListen(f);
  if (!https_listen.ok()) return Fail(https_listen.error().message);
  const std::optional<net::Address> https_addr = *https_listen;
  auto default_certificate = ParseDefaultSslCertificate(f);
  if (!default_certificate.ok()) return Fail(default_certificate.error().message);
  auto workers = f.GetInt("workers", static_cast<int>(std::thread::hardware_concurrency()));
  if (!workers.ok()) return Fail(workers.error().message);
  auto access_log = OpenAccessLog(f);
  if (!access_log.ok()) return Fail(access_log.error().message);
  std::string store_url = f.Get("store", "");
  if (!store_url.empty() && !store_url.starts_with("sqlite:")) {
    return Fail("--store " + store_url +
                ": only the embedded store (sqlite:PATH, the default) is available in this "
                "build; etcd:// comes with the distributed-store work");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail("cannot create --data-dir " + dir + ": " + strerror(errno));
  }

  BlockTerminationSignals();
  signal(SIGPIPE, SIG_IGN);

  pki::PkiOptions pki_options;
  pki_options.hosts = {node_ip, HostOf(api_addr->ToString())};
  auto pki = pki::EnsurePki(dir, pki_options);
  if (!pki.ok()) return Fail(pki.error().ToString());
  if (pki->created_ca) log::Info("serve: created a new CA in " + pki->paths.pki_dir);
  if (!pki->serving_cert_issued_because.empty()) {
    log::Info("serve: issued the API serving certificate: " + pki->serving_cert_issued_because);
  }

  std::string store_path = store_url.empty() ? dir + "/store.db" : store_url.substr(7);
  auto store = store::OpenSqliteStore(store_path);
  if (!store.ok()) return Fail("store " + store_path + ": " + store.error().ToString());

  // Built-in roles; on the first start the admin User, its password (printed once, here, and
  // kept in DIR/admin-password) and its platform-admin binding.
  auto bootstrap = BootstrapIdentity(store->get(), dir);
  if (!bootstrap.ok()) return Fail("bootstrap: " + bootstrap.error().ToString());
  if (!bootstrap->admin_password.empty()) {
    printf("waygate: created user admin with password %s (also in %s/admin-password)\n",
           bootstrap->admin_password.c_str(), dir.c_str());
    fflush(stdout);
  }

  // History is kept one interval back, as kube-apiserver compacts etcd (default 5 minutes).
  store::Compactor compactor(store->get(), *compaction);

  pki::ServerContextOptions tls_options;
  tls_options.alpn = {"http/1.1"};  // the API speaks HTTP/1.1; clients fall back to it
  auto tls = pki::MakeServerContext(*pki, tls_options);
  if (!tls.ok()) return Fail(tls.error().ToString());

  api::HttpServerOptions http_options;
  http_options.listen = *api_addr;
  http_options.tls = tls->get();
  http_options.too_large_body = [] {
    return apistatus::ToBody(apistatus::TooLarge(3 * 1024 * 1024));
  };
  // Writes, sign-ins and refusals, one JSON line each (docs/security.md). Declared before the
  // server and the API so it outlives every request that may still write to it.
  auto audit_log = audit::AuditLog::Open(audit::AuditLog::Options{.dir = dir});
  if (!audit_log.ok()) return Fail("audit log: " + audit_log.error().ToString());
  // The console's monitoring: the API reads it; the data plane, started later, feeds it.
  monitoring::Monitor monitor(monitoring::MonitorOptions{.step = *monitoring_step});
  // The API object needs the bound address for discovery; bind first with a placeholder
  // handler-forwarder.
  std::unique_ptr<api::Api> api_ptr;
  auto server = api::HttpServer::Start(
      http_options, [&api_ptr](const api::HttpRequest& request, api::ResponseWriter& writer) {
        if (api_ptr == nullptr) {
          writer.Send(503, "text/plain", "starting\n");
          return;
        }
        api_ptr->Handle(request, writer);
      });
  if (!server.ok()) return Fail("--api-listen: " + server.error().ToString());
  net::Address bound = (*server)->address();
  std::string url_host = HostOf(bound.ToString());
  if (url_host == "0.0.0.0" || url_host == "::") url_host = node_ip;
  std::string server_url = pki::ServerUrl(url_host, bound.port());

  api::ApiOptions api_options;
  api_options.audit = audit_log->get();
  api_options.store = store->get();
  api_options.admin_token = pki->admin_token;
  api_options.server_address = url_host + ":" + std::to_string(bound.port());
  api_options.initial_namespaces = {"kubesphere-controls-system"};
  api_options.node_port_range = *node_port_range;
  api_options.monitoring = &monitor;
  auto api = api::Api::Create(api_options);
  if (!api.ok()) return Fail(api.error().ToString());
  api_ptr = std::move(*api);
  // Warning Events for Ingresses naming a missing Service, port or Secret (kubectl describe).
  auto events = controller::IngressEventsController::Start(store->get());
  if (!events.ok()) return Fail(events.error().ToString());

  // nip.io-style names answer at once; route hosts join the zone as gateways get addresses.
  std::unique_ptr<dns::Server> dns_server;
  if (dns_addr) {
    auto zone = dns::Zone::Create(dns::ZoneSpec{});
    if (!zone.ok()) return Fail(zone.error().ToString());
    auto started = dns::Server::Start(*dns_addr, *zone);
    if (!started.ok()) return Fail("--dns-listen: " + started.error().ToString());
    dns_server = std::move(*started);
    fprintf(stderr, "waygate: listening name=dns address=%s\n",
            dns_server->address().ToString().c_str());
  }

  // Gateway and Ingress status (node addresses, node ports, LB addresses), NotReady nodes; each
  // new access snapshot refreshes the DNS zone with every served route host.
  controller::GatewayStatusOptions status_options;
  status_options.lb_pool = lb_pool;
  status_options.lb_ports = lb_ports;
  status_options.node_grace = *node_grace;
  dns::Server* dns_for_status = dns_server.get();
  status_options.on_change = [dns_for_status, serial = uint32_t{1}](
                                 std::shared_ptr<const controller::AccessSnapshot> a) mutable {
    if (dns_for_status == nullptr) return;
    dns::ZoneSpec spec;
    spec.serial = ++serial;  // the controller thread is the only caller
    for (const controller::HostAccess& host : a->hosts) {
      spec.hosts.push_back(dns::HostEntry{host.host, host.addresses});
    }
    auto zone = dns::Zone::Create(spec);
    if (!zone.ok()) {
      log::Warn("dns: zone not updated: " + zone.error().ToString());
      return;
    }
    dns_for_status->SetZone(*zone);
  };
  auto gateway_status = controller::GatewayStatusController::Start(store->get(), status_options);
  if (!gateway_status.ok()) return Fail(gateway_status.error().ToString());

  // `waygate kubeconfig --data-dir DIR` reads the URL from here.
  if (auto st = WriteServeState(dir, ServeState{server_url}); !st.ok()) {
    return Fail(st.error().ToString());
  }
  fprintf(stderr, "waygate: listening name=api address=%s\n", bound.ToString().c_str());
  fflush(stderr);
  log::Info("serve: API at " + server_url + ", data in " + dir +
            " (kubeconfig: waygate kubeconfig --data-dir " + dir + ")");

  // The node's gateway follows the API like any other gateway node, over loopback HTTPS with
  // the admin token: one code path for in-process and remote gateways.
  SnapshotCell<route::RouteTable> routes;
  sync::ApiSourceOptions source_options;
  auto loopback = kubeclient::ParseServerUrl(
      pki::ServerUrl(url_host == node_ip ? "127.0.0.1" : url_host, bound.port()), "--api-listen");
  if (!loopback.ok()) return Fail(loopback.error().ToString());
  source_options.client.server = *loopback;
  source_options.client.ca_pem = pki->ca_cert_pem;
  source_options.client.token = pki->admin_token;
  source_options.client.source = "waygate serve (in-process gateway)";
  source_options.compile.ingress_class = f.Get("ingress-class", "waygate");
  source_options.default_ssl_certificate = *default_certificate;
  SnapshotCell<proxy::TlsSnapshot> main_tls;
  source_options.on_main_tls = PublishMainTls(&main_tls);
  // This node registers itself as a Node and heartbeats, as every gateway node does (the
  // gateway status controller publishes the Ready nodes' addresses), and listens on each
  // Gateway's node ports on its IPs, and on its EIP when this node has it.
  auto node = StartGatewayNode(*node_flags, *workers, "waygate serve (node agent)",
                               source_options);
  if (!node.ok()) return Fail(node.error().message);
  auto source = sync::ApiSource::Start(source_options, &routes);
  if (!source.ok()) return Fail(source.error().ToString());
  auto plane = StartApiDataPlane(*http_addr, *admin_addr, *workers, access_log->get(),
                                 source->get(), &routes, node->listeners->cell(), https_addr,
                                 &main_tls);
  if (!plane.ok()) return Fail(plane.error().ToString());
  WakeOnPublish wake_on_publish(node->listeners.get(), plane->get());
  AttachMonitor(monitor, (*plane)->registry());
  // Detached before the plane goes, on every way out (the plane is destroyed first otherwise).
  struct DetachMonitor {
    monitoring::Monitor* monitor;
    ~DetachMonitor() { monitor->Detach(); }
  } detach_monitor{&monitor};
  std::unique_ptr<Demo> demo;  // owns the demo's echo backends until serve returns
  if (f.Get("demo", "false") == "true") {
    auto started = Demo::Start(DemoOptions{
        .client = source_options.client, .node_ips = node_ips,
        .external_ips = f.GetAll("node-external-ip"),
        .ingress_class = source_options.compile.ingress_class,
        .dns_address = dns_server ? dns_server->address().ToString() : "", .data_dir = dir});
    if (!started.ok()) return Fail("--demo: " + started.error().ToString());
    demo = std::move(*started);
  }

  int sig = WaitForTermination();
  log::Info(std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  source->reset();  // no more publishes: then the plane can go
  monitor.Detach();  // it reads the plane's registry
  plane->reset();
  node->agent.reset();
  server->reset();
  events->reset();
  gateway_status->reset();
  if (dns_server) dns_server->Stop();
  api_ptr.reset();
  return 0;
}

int RunKubeconfig(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"data-dir", "user", "server", "namespace", "ttl"});
  if (!flags.ok()) {
    fprintf(stderr, "waygate kubeconfig: %s\n", flags.error().message.c_str());
    return 2;
  }
  const Flags& f = *flags;
  if (!f.Has("data-dir")) {
    fprintf(stderr, "waygate kubeconfig: --data-dir DIR is required\n");
    return 2;
  }
  std::string dir = f.Get("data-dir");
  auto pki = pki::LoadPki(dir);
  if (!pki.ok()) {
    fprintf(stderr, "waygate kubeconfig: %s\n", pki.error().ToString().c_str());
    return 1;
  }
  std::string user = f.Get("user", "admin");
  auto ttl = ParseDuration(f.Get("ttl", "24h"));
  if (!ttl.ok() || ttl->count() < 1000) {
    fprintf(stderr, "waygate kubeconfig: --ttl: want a duration of at least 1s, such as 24h\n");
    return 2;
  }
  std::string server = f.Get("server", "");
  if (server.empty()) {
    auto state = ReadServeState(dir);
    if (!state.ok()) {
      fprintf(stderr, "waygate kubeconfig: %s\n", state.error().ToString().c_str());
      return 1;
    }
    server = state->server_url;
  }
  pki::KubeconfigParams params;
  params.server = server;
  params.ca_cert_pem = pki->ca_cert_pem;
  params.default_namespace = f.Get("namespace", "");
  if (user == "admin") {
    // The data dir's static admin token (system:masters), as before users existed: it never
    // expires and needs no store.
    params.token = pki->admin_token;
  } else {
    auto token = IssueUserToken(UserTokenRequest{
        .data_dir = dir,
        .user = user,
        .ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl),
        .server_url = server,
        .ca_pem = pki->ca_cert_pem,
        .admin_token = pki->admin_token});
    if (!token.ok()) {
      fprintf(stderr, "waygate kubeconfig: --user %s: %s\n", user.c_str(),
              token.error().message.c_str());
      return 1;
    }
    params.token = *token;
    params.user_name = user;
  }
  fputs(pki::RenderKubeconfig(params).c_str(), stdout);
  return 0;
}

}  // namespace waygate::cmd

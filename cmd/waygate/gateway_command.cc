// `waygate gateway --manifests DIR ...`: a gateway node whose configuration is a directory of
// Kubernetes manifests; `waygate gateway --kubeconfig FILE [--node-ip IP ...]`: a gateway node
// following an API (with --node-ip, a node of the cluster: it registers its Node and listens on
// every Gateway's node ports and on the EIPs its host has). Wires sync (config) -> snapshot
// cell -> workers (data plane), plus the admin endpoints.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "admin/server.h"
#include "base/log.h"
#include "base/snapshot.h"
#include "commands.h"
#include "api_gateway.h"
#include "data_plane.h"
#include "gateway_node.h"
#include "tls_wiring.h"
#include "kubeclient/config.h"
#include "flags.h"
#include "net/address.h"
#include "proxy/access_log.h"
#include "proxy/metrics.h"
#include "proxy/worker.h"
#include "signals.h"
#include "sync/api_source.h"
#include "sync/manifest_source.h"

namespace waygate::cmd {
namespace {

int Fail(const std::string& message) {
  fprintf(stderr, "waygate gateway: %s\n", message.c_str());
  return 2;
}

}  // namespace

int RunGateway(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(
      args, {"manifests", "http-listen", "https-listen", "admin-listen", "ingress-class", "gateway",
             "workers", "access-log", "access-log-format", "log-level", "kubeconfig", "node-ip",
             "node-name", "node-external-ip", "heartbeat-interval", "lb-http-port",
             "lb-https-port", "default-ssl-certificate"});
  if (!flags.ok()) return Fail(flags.error().message);
  const Flags& f = *flags;

  if (!SetLogLevel(f.Get("log-level", "info")))
    return Fail("--log-level must be debug, info, warn or error");

  if (f.Has("kubeconfig") == f.Has("manifests")) {
    return Fail("give exactly one of --manifests DIR or --kubeconfig FILE|in-cluster");
  }
  auto workers = f.GetInt("workers", static_cast<int>(std::thread::hardware_concurrency()));
  if (!workers.ok()) return Fail(workers.error().message);
  int worker_count = *workers > 0 ? *workers : 1;

  auto http_addr = net::ParseAddress(f.Get("http-listen", "0.0.0.0:8080"));
  if (!http_addr.ok()) return Fail("--http-listen: " + http_addr.error().message);
  auto admin_addr = net::ParseAddress(f.Get("admin-listen", "127.0.0.1:10254"));
  if (!admin_addr.ok()) return Fail("--admin-listen: " + admin_addr.error().message);
  auto https_listen = ParseHttpsListen(f);
  if (!https_listen.ok()) return Fail(https_listen.error().message);
  const std::optional<net::Address> https_addr = *https_listen;
  auto default_certificate = ParseDefaultSslCertificate(f);
  if (!default_certificate.ok()) return Fail(default_certificate.error().message);

  auto access_log_result = OpenAccessLog(f);
  if (!access_log_result.ok()) return Fail(access_log_result.error().message);
  std::unique_ptr<proxy::AccessLogSink> access_log = std::move(*access_log_result);

  BlockTerminationSignals();

  SnapshotCell<route::RouteTable> routes;
  SnapshotCell<proxy::TlsSnapshot> main_tls;
  if (f.Has("kubeconfig")) {
    // Following a Kubernetes API: Waygate's own (`waygate kubeconfig`) or a real cluster's.
    std::string which = f.Get("kubeconfig");
    auto config = which == "in-cluster" ? kubeclient::LoadInCluster()
                                        : kubeclient::LoadKubeconfig(which);
    if (!config.ok()) return Fail(config.error().ToString());
    sync::ApiSourceOptions api_options;
    api_options.client = std::move(*config);
    api_options.compile.ingress_class = f.Get("ingress-class", "waygate");
    api_options.compile.gateway = f.Get("gateway", "");
    api_options.default_ssl_certificate = *default_certificate;
    api_options.on_main_tls = PublishMainTls(&main_tls);
    // With --node-ip this is a gateway node of the cluster: it registers its Node (so gateway
    // status lists its address) and listens on every Gateway's node ports, and on the EIPs this
    // host has. Without it, only the main listener serves (the --gateway table).
    auto node_flags = ParseNodeFlags(f);
    if (!node_flags.ok()) return Fail(node_flags.error().message);
    GatewayNode node;
    if (!node_flags->node_ips.empty()) {
      auto started = StartGatewayNode(*node_flags, worker_count, "waygate gateway (node agent)",
                                      api_options);
      if (!started.ok()) return Fail(started.error().message);
      node = std::move(*started);
    }
    auto api_source = sync::ApiSource::Start(api_options, &routes);
    if (!api_source.ok()) return Fail(api_source.error().ToString());
    auto plane = StartApiDataPlane(*http_addr, *admin_addr, worker_count, access_log.get(),
                                   api_source->get(), &routes,
                                   node.listeners ? node.listeners->cell() : nullptr,
                                   https_addr, &main_tls, api_options.compile.gateway);
    if (!plane.ok()) return Fail(plane.error().ToString());
    WakeOnPublish wake_on_publish(node.listeners.get(), plane->get());
    log::Info("gateway started: " + std::to_string(worker_count) + " workers, following " +
              api_options.client.source);
    int sig = WaitForTermination();
    log::Info(std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    api_source->reset();  // no more publishes: then the plane can go
    plane->reset();
    node.agent.reset();
    return 0;
  }
  sync::ManifestSourceOptions source_options;
  source_options.dir = f.Get("manifests");
  source_options.compile.ingress_class = f.Get("ingress-class", "waygate");
  source_options.compile.gateway = f.Get("gateway", "");
  source_options.default_ssl_certificate = *default_certificate;
  source_options.on_main_tls = PublishMainTls(&main_tls);
  auto source = sync::ManifestSource::Start(source_options, &routes);
  if (!source.ok()) return Fail(source.error().message);

  sync::ManifestSource* src = source->get();
  DataPlaneOptions plane_options;
  plane_options.http = *http_addr;
  plane_options.https = https_addr;
  plane_options.main_tls = &main_tls;
  plane_options.admin = *admin_addr;
  plane_options.workers = worker_count;
  plane_options.access_log = access_log.get();
  plane_options.main_gateway = source_options.compile.gateway;
  plane_options.ready = [src] { return src->ready(); };
  plane_options.add_metrics = [src](proxy::Registry& registry) {
    auto st = src->stats();
    registry.SetGauge("waygate_config_last_reload_duration_milliseconds", st.last_compile_ms);
    registry.SetGauge("waygate_config_problems", static_cast<double>(st.diagnostics));
    registry.SetCounter("waygate_config_reloads_total", st.reloads);
  };
  auto plane = DataPlane::Start(plane_options, &routes);
  if (!plane.ok()) return Fail(plane.error().message);

  fprintf(stderr, "waygate: listening name=http address=%s\n",
          (*plane)->http_address().ToString().c_str());
  if ((*plane)->https_address()) {
    fprintf(stderr, "waygate: listening name=https address=%s\n",
            (*plane)->https_address()->ToString().c_str());
  }
  fprintf(stderr, "waygate: listening name=admin address=%s\n",
          (*plane)->admin_address().ToString().c_str());
  fflush(stderr);
  log::Info("gateway started: " + std::to_string(worker_count) + " workers, manifests " +
            source_options.dir);

  int sig = WaitForTermination();
  log::Info(std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  plane->reset();
  return 0;
}

}  // namespace waygate::cmd

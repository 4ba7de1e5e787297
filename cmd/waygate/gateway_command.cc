// `waygate gateway --manifests DIR ...`: a gateway node whose configuration is a directory of
// Kubernetes manifests. Wires sync (config) -> snapshot cell -> workers (data plane), plus the
// admin endpoints.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "admin/server.h"
#include "base/log.h"
#include "base/snapshot.h"
#include "commands.h"
#include "data_plane.h"
#include "flags.h"
#include "net/address.h"
#include "proxy/access_log.h"
#include "proxy/metrics.h"
#include "proxy/worker.h"
#include "signals.h"
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
             "workers", "access-log", "access-log-format", "log-level", "kubeconfig"});
  if (!flags.ok()) return Fail(flags.error().message);
  const Flags& f = *flags;

  if (!SetLogLevel(f.Get("log-level", "info")))
    return Fail("--log-level must be debug, info, warn or error");

  if (f.Has("kubeconfig")) {
    return Fail(
        "--kubeconfig (following a Kubernetes API) is not implemented yet; use --manifests");
  }
  if (!f.Has("manifests")) return Fail("--manifests DIR is required");
  auto workers = f.GetInt("workers", static_cast<int>(std::thread::hardware_concurrency()));
  if (!workers.ok()) return Fail(workers.error().message);
  int worker_count = *workers > 0 ? *workers : 1;

  auto http_addr = net::ParseAddress(f.Get("http-listen", "0.0.0.0:8080"));
  if (!http_addr.ok()) return Fail("--http-listen: " + http_addr.error().message);
  auto admin_addr = net::ParseAddress(f.Get("admin-listen", "127.0.0.1:10254"));
  if (!admin_addr.ok()) return Fail("--admin-listen: " + admin_addr.error().message);
  if (f.Has("https-listen")) {
    // TLS termination (certificates from Secrets, SNI) is its own piece of work; refusing the
    // flag is better than a listener that silently does not speak TLS.
    return Fail("--https-listen: TLS termination is not implemented yet");
  }

  std::unique_ptr<proxy::AccessLogSink> access_log;
  if (f.Has("access-log")) {
    std::string fmt = f.Get("access-log-format", "combined");
    proxy::AccessLogFormat format;
    if (fmt == "combined")
      format = proxy::AccessLogFormat::kCombined;
    else if (fmt == "json")
      format = proxy::AccessLogFormat::kJson;
    else
      return Fail("--access-log-format must be combined or json");
    auto sink = proxy::AccessLogSink::Open(f.Get("access-log"), format);
    if (!sink.ok()) return Fail(sink.error().message);
    access_log = std::move(*sink);
  }

  BlockTerminationSignals();

  SnapshotCell<route::RouteTable> routes;
  sync::ManifestSourceOptions source_options;
  source_options.dir = f.Get("manifests");
  source_options.compile.ingress_class = f.Get("ingress-class", "waygate");
  source_options.compile.gateway = f.Get("gateway", "");
  auto source = sync::ManifestSource::Start(source_options, &routes);
  if (!source.ok()) return Fail(source.error().message);

  sync::ManifestSource* src = source->get();
  DataPlaneOptions plane_options;
  plane_options.http = *http_addr;
  plane_options.admin = *admin_addr;
  plane_options.workers = worker_count;
  plane_options.access_log = access_log.get();
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

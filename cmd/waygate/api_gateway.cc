#include "api_gateway.h"

#include <cstdio>

namespace waygate::cmd {

Result<std::unique_ptr<DataPlane>> StartApiDataPlane(
    const net::Address& http, const net::Address& admin, int workers,
    const proxy::AccessLogSink* access_log, sync::ApiSource* source,
    const SnapshotCell<route::RouteTable>* routes,
    const SnapshotCell<proxy::GatewaySet>* gateways, std::optional<net::Address> https,
    const SnapshotCell<proxy::TlsSnapshot>* main_tls, const std::string& main_gateway) {
  DataPlaneOptions options;
  options.gateways = gateways;
  options.http = http;
  options.https = std::move(https);
  options.main_tls = main_tls;
  options.main_gateway = main_gateway;
  options.admin = admin;
  options.workers = workers;
  options.access_log = access_log;
  options.ready = [source] { return source->ready(); };
  options.add_metrics = [source](proxy::Registry& registry) {
    sync::ApiSyncStats st = source->stats();
    registry.SetGauge("waygate_config_last_reload_duration_milliseconds", st.last_compile_ms);
    registry.SetGauge("waygate_config_problems", static_cast<double>(st.diagnostics));
    registry.SetCounter("waygate_config_reloads_total", st.reloads);
  };
  auto plane = DataPlane::Start(options, routes);
  if (!plane.ok()) return plane.error();
  fprintf(stderr, "waygate: listening name=http address=%s\n",
          (*plane)->http_address().ToString().c_str());
  if ((*plane)->https_address()) {
    fprintf(stderr, "waygate: listening name=https address=%s\n",
            (*plane)->https_address()->ToString().c_str());
  }
  fprintf(stderr, "waygate: listening name=admin address=%s\n",
          (*plane)->admin_address().ToString().c_str());
  fflush(stderr);
  return plane;
}

}  // namespace waygate::cmd

// A gateway node fed by the Kubernetes API (sync::ApiSource): shared by `waygate serve` (its
// in-process node) and `waygate gateway --kubeconfig`.
#pragma once

#include <memory>

#include "data_plane.h"
#include "sync/api_source.h"

namespace waygate::cmd {

// Starts workers and admin endpoints serving `routes` (which `source` fills), with the
// source's readiness and sync metrics, and prints the `listening name=http|https|admin` lines.
Result<std::unique_ptr<DataPlane>> StartApiDataPlane(const net::Address& http,
                                                     const net::Address& admin, int workers,
                                                     const proxy::AccessLogSink* access_log,
                                                     sync::ApiSource* source,
                                                     const SnapshotCell<route::RouteTable>* routes,
                                                     const SnapshotCell<proxy::GatewaySet>* gateways,
                                                     std::optional<net::Address> https = {},
                                                     const SnapshotCell<proxy::TlsSnapshot>* main_tls = nullptr,
                                                     const std::string& main_gateway = "");

}  // namespace waygate::cmd

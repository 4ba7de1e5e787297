#include "data_plane.h"

#include <unistd.h>

#include "flags.h"

namespace waygate::cmd {
Result<std::vector<int>> BindReusePort(net::Address addr, int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    auto fd = net::ListenTcp(addr, /*reuse_port=*/true);
    if (!fd.ok()) {
      for (int f : fds) ::close(f);
      return fd.error();
    }
    if (i == 0) {
      auto bound = net::LocalAddress(*fd);
      if (!bound.ok()) return bound.error();
      addr = *bound;
    }
    fds.push_back(*fd);
  }
  return fds;
}

Result<std::unique_ptr<DataPlane>> DataPlane::Start(const DataPlaneOptions& options,
                                                    const SnapshotCell<route::RouteTable>* routes) {
  std::unique_ptr<DataPlane> plane(new DataPlane());
  proxy::WorkerShared shared;
  shared.routes = routes;
  shared.gateways = options.gateways;
  shared.registry = &plane->registry_;
  shared.access_log = options.access_log;
  shared.main_tls = options.main_tls;
  if (!options.main_gateway.empty()) shared.main_gateway = options.main_gateway;

  int count = options.workers > 0 ? options.workers : 1;
  auto fds = BindReusePort(options.http, count);
  if (!fds.ok()) return fds.error();
  auto bound = net::LocalAddress((*fds)[0]);
  if (!bound.ok()) return bound.error();
  plane->http_address_ = *bound;
  std::vector<int> tls_fds;
  if (options.https) {
    if (options.main_tls == nullptr) {
      for (int fd : *fds) ::close(fd);
      return MakeError(ErrorCode::kInvalid, "an https listener needs a TLS snapshot");
    }
    auto bound_tls = BindReusePort(*options.https, count);
    if (!bound_tls.ok()) {
      for (int fd : *fds) ::close(fd);
      return bound_tls.error();
    }
    tls_fds = std::move(*bound_tls);
    auto address = net::LocalAddress(tls_fds[0]);
    if (!address.ok()) return address.error();
    plane->https_address_ = *address;
  }

  for (int i = 0; i < count; ++i) {
    std::vector<proxy::ListenerSpec> specs;
    proxy::ListenerSpec spec;
    spec.fd = (*fds)[i];
    spec.name = "http";
    spec.port = bound->port();
    if (plane->https_address_) spec.https_port = plane->https_address_->port();
    specs.push_back(spec);
    if (plane->https_address_) {
      proxy::ListenerSpec tls;
      tls.fd = tls_fds[static_cast<size_t>(i)];
      tls.name = "https";
      tls.port = plane->https_address_->port();
      specs.push_back(tls);
    }
    auto w = proxy::Worker::Create(i, shared, std::move(specs));
    if (!w.ok()) return w.error();
    plane->workers_.push_back(std::move(*w));
  }
  for (auto& w : plane->workers_) plane->threads_.emplace_back([p = w.get()] { p->Run(); });

  admin::Handlers handlers;
  handlers.ready = options.ready;
  proxy::Registry* registry = &plane->registry_;
  auto add_metrics = options.add_metrics;
  handlers.metrics = [registry, add_metrics] {
    if (add_metrics) add_metrics(*registry);
    return registry->Render();
  };
  auto admin_server = admin::Server::Start(options.admin, handlers);
  if (!admin_server.ok()) return admin_server.error();  // the destructor stops the workers
  plane->admin_ = std::move(*admin_server);
  return plane;
}

void DataPlane::WakeWorkers() {
  for (auto& w : workers_) w->Wake();
}

DataPlane::~DataPlane() {
  admin_.reset();
  for (auto& w : workers_) w->Stop();
  for (auto& t : threads_) t.join();
  workers_.clear();
}

Result<std::unique_ptr<proxy::AccessLogSink>> OpenAccessLog(const Flags& f) {
  if (!f.Has("access-log")) return std::unique_ptr<proxy::AccessLogSink>();
  std::string fmt = f.Get("access-log-format", "combined");
  proxy::AccessLogFormat format;
  if (fmt == "combined") {
    format = proxy::AccessLogFormat::kCombined;
  } else if (fmt == "json") {
    format = proxy::AccessLogFormat::kJson;
  } else {
    return MakeError(ErrorCode::kInvalid, "--access-log-format must be combined or json");
  }
  return proxy::AccessLogSink::Open(f.Get("access-log"), format);
}

}  // namespace waygate::cmd

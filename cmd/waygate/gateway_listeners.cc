#include "gateway_listeners.h"

#include <cerrno>
#include <cstdio>

#include "base/log.h"
#include "data_plane.h"
#include "flags.h"

namespace waygate::cmd {

Result<gateways::LbPorts> LbPortsFromFlags(const Flags& f) {
  auto http = f.GetInt("lb-http-port", 80);
  auto https = f.GetInt("lb-https-port", 443);
  if (!http.ok() || !https.ok() || *http < 1 || *http > 65535 || *https < 1 || *https > 65535) {
    return MakeError(ErrorCode::kInvalid,
                     "--lb-http-port and --lb-https-port take a port number (1-65535)");
  }
  return gateways::LbPorts{*http, *https};
}

GatewayListeners::GatewayListeners(int workers, gateways::NodeListenOptions node)
    : workers_(workers > 0 ? workers : 1), node_(std::move(node)) {}

void GatewayListeners::Update(std::shared_ptr<const sync::GatewayTables> tables) {
  std::lock_guard lock(mu_);
  auto set = std::make_shared<proxy::GatewaySet>();
  std::map<std::string, std::shared_ptr<const proxy::BoundListener>> next;
  std::map<std::string, std::string> failed;
  for (const auto& entry : tables->gateways) {
    std::shared_ptr<const proxy::TlsSnapshot> tls;
    if (entry.tls != nullptr) {
      tls = std::make_shared<const proxy::TlsSnapshot>(
          proxy::TlsSnapshot{entry.tls->front, entry.tls->sni});
    }
    set->gateways.push_back({entry.gateway, entry.table, std::move(tls)});
    if (entry.object == nullptr) continue;
    const std::vector<gateways::ListenAddress> plan = gateways::ListenPlan(*entry.object, node_);
    for (const gateways::ListenAddress& want : plan) {
      auto address = net::ParseAddress(want.ip + ":" + std::to_string(want.port));
      if (!address.ok()) continue;
      // An http listener redirects (ssl-redirect) to the https port of the same address.
      uint16_t https_port = 0;
      if (want.name == "http") {
        for (const gateways::ListenAddress& peer : plan) {
          if (peer.name == "https" && peer.ip == want.ip && peer.eip == want.eip) {
            https_port = static_cast<uint16_t>(peer.port);
          }
        }
      }
      std::string key = entry.gateway + "|" + want.name + "|" + address->ToString() + "|" +
                        std::to_string(https_port);
      if (auto it = bound_.find(key); it != bound_.end()) {
        next.emplace(key, it->second);
        set->listeners.push_back(it->second);
        continue;
      }
      auto fds = BindReusePort(*address, workers_);
      if (!fds.ok()) {
        const std::string& message = fds.error().message;
        if (failed_[key] != message) {
          // An EIP this host does not have belongs to another node: not a problem.
          if (want.eip && message.find("assign requested address") != std::string::npos) {
            log::Info("gateway " + entry.gateway + ": " + address->ToString() +
                      " is not an address of this node; another node serves it");
          } else {
            log::Warn("gateway " + entry.gateway + ": cannot listen on " +
                      address->ToString() + ": " + message);
          }
        }
        failed.emplace(key, message);
        continue;
      }
      auto bound = std::make_shared<const proxy::BoundListener>(
          entry.gateway, want.name, *address, std::move(*fds), https_port);
      log::Info("gateway " + entry.gateway + ": listening name=" + want.name + " address=" +
                address->ToString());
      next.emplace(key, bound);
      set->listeners.push_back(std::move(bound));
    }
  }
  for (const auto& [key, bound] : bound_) {
    if (next.count(key) == 0) {
      log::Info("gateway " + bound->gateway() + ": closing listener " +
                bound->address().ToString());
    }
  }
  bound_ = std::move(next);
  failed_ = std::move(failed);
  cell_.Publish(std::move(set));
  if (on_publish_) on_publish_();
}

void GatewayListeners::SetOnPublish(std::function<void()> on_publish) {
  std::lock_guard lock(mu_);
  on_publish_ = std::move(on_publish);
  if (on_publish_) on_publish_();  // a set published before the data plane ran
}

WakeOnPublish::WakeOnPublish(GatewayListeners* listeners, DataPlane* plane)
    : listeners_(listeners) {
  if (listeners_ != nullptr) listeners_->SetOnPublish([plane] { plane->WakeWorkers(); });
}

WakeOnPublish::~WakeOnPublish() {
  // Waits for a publish in progress (Update holds the mutex while it calls the hook).
  if (listeners_ != nullptr) listeners_->SetOnPublish(nullptr);
}

}  // namespace waygate::cmd

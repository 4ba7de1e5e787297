// The TLS flags of `serve` and `gateway`, and the glue from a source's TLS output (sync) to the
// snapshot the main https listeners read (proxy).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/result.h"
#include "base/snapshot.h"
#include "net/address.h"
#include "proxy/gateway_set.h"
#include "sync/tls_snapshots.h"

namespace waygate::cmd {

class Flags;

// --https-listen ADDR: nullopt when absent.
Result<std::optional<net::Address>> ParseHttpsListen(const Flags& flags);

// --default-ssl-certificate NS/NAME (ingress-nginx's flag): nullopt when absent.
Result<std::optional<std::pair<std::string, std::string>>> ParseDefaultSslCertificate(
    const Flags& flags);

// A source's on_main_tls callback that publishes into `cell`.
std::function<void(std::shared_ptr<const sync::TlsOutput>)> PublishMainTls(
    SnapshotCell<proxy::TlsSnapshot>* cell);

}  // namespace waygate::cmd

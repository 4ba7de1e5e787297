#include "tls_wiring.h"

#include "flags.h"

namespace waygate::cmd {

Result<std::optional<net::Address>> ParseHttpsListen(const Flags& flags) {
  if (!flags.Has("https-listen")) return std::optional<net::Address>();
  auto parsed = net::ParseAddress(flags.Get("https-listen"));
  if (!parsed.ok()) {
    return MakeError(ErrorCode::kInvalid, "--https-listen: " + parsed.error().message);
  }
  return std::optional<net::Address>(*parsed);
}

Result<std::optional<std::pair<std::string, std::string>>> ParseDefaultSslCertificate(
    const Flags& flags) {
  if (!flags.Has("default-ssl-certificate")) {
    return std::optional<std::pair<std::string, std::string>>();
  }
  std::string value = flags.Get("default-ssl-certificate");
  size_t slash = value.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
      value.find('/', slash + 1) != std::string::npos) {
    return MakeError(ErrorCode::kInvalid,
                     "--default-ssl-certificate takes NAMESPACE/NAME of a kubernetes.io/tls "
                     "Secret, got \"" + value + "\"");
  }
  return std::optional<std::pair<std::string, std::string>>(
      std::make_pair(value.substr(0, slash), value.substr(slash + 1)));
}

std::function<void(std::shared_ptr<const sync::TlsOutput>)> PublishMainTls(
    SnapshotCell<proxy::TlsSnapshot>* cell) {
  return [cell](std::shared_ptr<const sync::TlsOutput> output) {
    cell->Publish(std::make_shared<const proxy::TlsSnapshot>(
        proxy::TlsSnapshot{output->front, output->sni}));
  };
}

}  // namespace waygate::cmd

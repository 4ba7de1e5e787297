// The kubeconfig `waygate kubeconfig` prints: one cluster, one token user, one context, current.
#pragma once

#include <string>
#include <string_view>

namespace waygate::pki {

struct KubeconfigParams {
  std::string server;       // e.g. "https://127.0.0.1:6443" (see ServerUrl)
  std::string ca_cert_pem;  // embedded as certificate-authority-data, so the file stands alone
  std::string token;
  std::string cluster_name = "waygate";
  std::string user_name = "admin";
  std::string context_name = "waygate";
  std::string default_namespace;  // the context's namespace; omitted when empty
};

// apiVersion v1, kind Config, with clusters/users/contexts as lists of {name, cluster|user|
// context} and current-context set: what kubectl and client-go load without complaint.
std::string RenderKubeconfig(const KubeconfigParams& params);

// "https://host:port", with brackets around an IPv6 literal.
std::string ServerUrl(std::string_view host, int port);

}  // namespace waygate::pki

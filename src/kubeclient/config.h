// Where a Kubernetes API is and how to authenticate to it: loaded from a kubeconfig file (its
// current context) or from the in-cluster service-account files. Plain data: every file the
// config names is read at load time, except a token file, which rotates and is re-read by
// Credentials (credentials.h).
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"

namespace waygate::kubeclient {

// "https://host:port/prefix" split up. An IPv6 literal is kept without brackets in `host`.
struct ServerUrl {
  bool tls = true;
  std::string host;
  int port = 443;
  std::string base_path;  // "" or "/prefix" (no trailing slash), prepended to every API path

  // "host:port" as the Host header wants it (brackets around an IPv6 literal).
  std::string HostHeader() const;
  std::string ToString() const;
};

// `what` names the source in the error ("kubeconfig /x: clusters[0].cluster.server").
Result<ServerUrl> ParseServerUrl(const std::string& url, const std::string& what);

struct Config {
  ServerUrl server;
  // TLS: PEM bundle of CAs to trust; empty means the system's default trust store.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the name used for SNI and certificate checks
  // Credentials: a bearer token (inline, or a file re-read periodically since it rotates) and/or
  // a client certificate.
  std::string token;
  std::string token_file;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string default_namespace;  // the context's namespace (informational)
  // Human-readable origin for logs and errors: "kubeconfig /root/.kube/config (context x)",
  // "in-cluster service account".
  std::string source;
  // Names of the PEM fields, for TLS errors ("kubeconfig /x: users[0].user.client-key-data").
  std::string ca_field;
  std::string client_cert_field;
  std::string client_key_field;
};

struct KubeconfigOptions {
  std::string context;  // empty: current-context
};

// Reads and interprets a kubeconfig file. Relative file paths inside it are resolved against
// the file's directory, as client-go does. Errors name the file and the field at fault.
Result<Config> LoadKubeconfig(const std::string& path, const KubeconfigOptions& options = {});
// The same, from text already read; `path` is used for messages and relative paths.
Result<Config> ParseKubeconfig(const std::string& text, const std::string& path,
                               const KubeconfigOptions& options = {});

// In-cluster config: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT and the service account's
// token and ca.crt. The fields are injectable for tests.
struct InClusterOptions {
  std::string host;  // empty: $KUBERNETES_SERVICE_HOST
  std::string port;  // empty: $KUBERNETES_SERVICE_PORT
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};
Result<Config> LoadInCluster(const InClusterOptions& options = {});

}  // namespace waygate::kubeclient

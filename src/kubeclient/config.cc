#include "kubeclient/config.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "kubeclient/read_file.h"
#include "model/base64.h"
#include "model/yaml_json.h"

namespace waygate::kubeclient {
namespace {

using Json = nlohmann::json;

bool IsIpv6Literal(const std::string& host) { return host.find(':') != std::string::npos; }

// Reads the kubeconfig's fields with the file and the field path in every error.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  Error Fail(const std::string& field, const std::string& message) const {
    std::string where = "kubeconfig " + path_;
    if (!field.empty()) where += ": " + field;
    return MakeError(ErrorCode::kInvalid, where + ": " + message, field);
  }

  // Absent or null: nullopt. Present and not a string: error.
  Result<std::optional<std::string>> String(const Json& obj, const char* key,
                                            const std::string& prefix) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string()) return Fail(prefix + key, "must be a string");
    return std::optional<std::string>(it->get<std::string>());
  }

  Result<bool> Bool(const Json& obj, const char* key, const std::string& prefix) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean()) return Fail(prefix + key, "must be true or false");
    return it->get<bool>();
  }

  // The `what` entry named `name` in the list `list_key` ("clusters", "users", "contexts"),
  // with its field prefix ("clusters[2].cluster.").
  Result<std::pair<const Json*, std::string>> Named(const Json& root, const char* list_key,
                                                    const char* what, const std::string& name,
                                                    const std::string& why) const {
    auto it = root.find(list_key);
    if (it != root.end() && !it->is_null() && !it->is_array()) {
      return Fail(list_key, "must be a list");
    }
    if (it != root.end() && it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& entry = (*it)[i];
        std::string at = std::string(list_key) + "[" + std::to_string(i) + "]";
        if (!entry.is_object()) return Fail(at, "must be an object");
        auto n = entry.find("name");
        if (n == entry.end() || !n->is_string() || n->get<std::string>() != name) continue;
        auto body = entry.find(what);
        if (body == entry.end() || body->is_null()) {
          static const Json kEmpty = Json::object();
          return std::make_pair(&kEmpty, at + "." + what + ".");
        }
        if (!body->is_object()) return Fail(at + "." + what, "must be an object");
        return std::make_pair(&*body, at + "." + what + ".");
      }
    }
    return Fail(list_key, "no " + std::string(what) + " named \"" + name + "\" (" + why + ")");
  }

  // A `*-data` field (base64) or its file twin; `field_out` names whichever was used.
  Result<std::optional<std::string>> DataOrFile(const Json& obj, const char* data_key,
                                                const char* file_key, const std::string& prefix,
                                                std::string* field_out) const {
    auto data = String(obj, data_key, prefix);
    if (!data.ok()) return data.error();
    auto file = String(obj, file_key, prefix);
    if (!file.ok()) return file.error();
    if (data->has_value()) {
      std::string decoded;
      if (auto bad = model::DecodeBase64(**data, decoded)) {
        return Fail(prefix + data_key, "illegal base64 data at input byte " + std::to_string(*bad));
      }
      *field_out = "kubeconfig " + path_ + ": " + prefix + data_key;
      return std::optional<std::string>(std::move(decoded));
    }
    if (file->has_value()) {
      std::string resolved = Resolve(**file);
      auto content = ReadWholeFile(resolved);
      if (!content.ok()) return Fail(prefix + file_key, content.error().message);
      *field_out = "kubeconfig " + path_ + ": " + prefix + file_key + " " + resolved;
      return std::optional<std::string>(std::move(*content));
    }
    return std::optional<std::string>();
  }

  // client-go resolves relative paths against the kubeconfig's directory.
  std::string Resolve(const std::string& file) const {
    if (file.empty() || file[0] == '/') return file;
    size_t slash = path_.rfind('/');
    return slash == std::string::npos ? file : path_.substr(0, slash + 1) + file;
  }

 private:
  std::string path_;
};

}  // namespace

std::string ServerUrl::HostHeader() const {
  std::string h = IsIpv6Literal(host) ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string ServerUrl::ToString() const {
  std::string h = IsIpv6Literal(host) ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + std::to_string(port) + base_path;
}

Result<ServerUrl> ParseServerUrl(const std::string& url, const std::string& what) {
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalid, what + ": " + why + " (got \"" + url + "\")");
  };
  ServerUrl out;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    out.tls = false;
    out.port = 80;
    rest = url.substr(7);
  } else {
    return fail("must be an http:// or https:// URL");
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    out.base_path = rest.substr(slash);
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
    if (out.base_path.find_first_of("?#") != std::string::npos) {
      return fail("must not carry a query or fragment");
    }
  }
  if (authority.find('@') != std::string::npos) return fail("must not carry user info");
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return fail("unterminated IPv6 literal");
    out.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("unexpected text after the IPv6 literal");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return fail("has no host");
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return fail("has an invalid port");
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return fail("has an invalid port");
    out.port = port;
  }
  return out;
}

Result<Config> LoadKubeconfig(const std::string& path, const KubeconfigOptions& options) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) {
    return MakeError(text.error().code, "kubeconfig " + text.error().message);
  }
  return ParseKubeconfig(*text, path, options);
}

Result<Config> ParseKubeconfig(const std::string& text, const std::string& path,
                               const KubeconfigOptions& options) {
  Reader r(path);
  Json root;
  bool have = false;
  auto syntax = model::ParseYamlStream(text, [&](int, Json&& doc) {
    if (!have) root = std::move(doc);
    have = true;
  });
  if (syntax) return r.Fail("", syntax->error.message);
  if (!root.is_object()) return r.Fail("", "not a kubeconfig (expected a YAML mapping)");

  std::string context_name = options.context;
  if (context_name.empty()) {
    auto current = r.String(root, "current-context", "");
    if (!current.ok()) return current.error();
    if (!current->has_value() || (*current)->empty()) {
      return r.Fail("current-context", "not set (choose a context)");
    }
    context_name = **current;
  }
  auto context = r.Named(root, "contexts", "context", context_name, "the chosen context");
  if (!context.ok()) return context.error();
  const auto& [ctx, ctx_prefix] = *context;
  auto cluster_name = r.String(*ctx, "cluster", ctx_prefix);
  if (!cluster_name.ok()) return cluster_name.error();
  if (!cluster_name->has_value() || (*cluster_name)->empty()) {
    return r.Fail(ctx_prefix + "cluster", "required");
  }
  auto user_name = r.String(*ctx, "user", ctx_prefix);
  if (!user_name.ok()) return user_name.error();
  auto ns = r.String(*ctx, "namespace", ctx_prefix);
  if (!ns.ok()) return ns.error();

  Config config;
  config.source = "kubeconfig " + path + " (context " + context_name + ")";
  config.default_namespace = ns->value_or("");

  auto cluster = r.Named(root, "clusters", "cluster", **cluster_name,
                         "named by context \"" + context_name + "\"");
  if (!cluster.ok()) return cluster.error();
  const auto& [cl, cl_prefix] = *cluster;
  auto server = r.String(*cl, "server", cl_prefix);
  if (!server.ok()) return server.error();
  if (!server->has_value() || (*server)->empty()) return r.Fail(cl_prefix + "server", "required");
  auto url = ParseServerUrl(**server, "kubeconfig " + path + ": " + cl_prefix + "server");
  if (!url.ok()) return url.error();
  config.server = *url;
  if (cl->contains("proxy-url")) {
    return r.Fail(cl_prefix + "proxy-url", "connecting through a proxy is not supported");
  }
  auto insecure = r.Bool(*cl, "insecure-skip-tls-verify", cl_prefix);
  if (!insecure.ok()) return insecure.error();
  config.insecure_skip_tls_verify = *insecure;
  auto server_name = r.String(*cl, "tls-server-name", cl_prefix);
  if (!server_name.ok()) return server_name.error();
  config.tls_server_name = server_name->value_or("");
  auto ca = r.DataOrFile(*cl, "certificate-authority-data", "certificate-authority", cl_prefix,
                         &config.ca_field);
  if (!ca.ok()) return ca.error();
  if (ca->has_value()) {
    if (config.insecure_skip_tls_verify) {
      // client-go refuses the combination: which of the two did the user mean?
      return r.Fail(cl_prefix + "insecure-skip-tls-verify",
                    "cannot be combined with a certificate authority");
    }
    config.ca_pem = std::move(**ca);
  }

  if (user_name->has_value() && !(*user_name)->empty()) {
    auto user =
        r.Named(root, "users", "user", **user_name, "named by context \"" + context_name + "\"");
    if (!user.ok()) return user.error();
    const auto& [u, u_prefix] = *user;
    for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
      if (u->contains(unsupported) && !(*u)[unsupported].is_null()) {
        return r.Fail(u_prefix + unsupported,
                      "not supported (use token, tokenFile or a client certificate)");
      }
    }
    auto token = r.String(*u, "token", u_prefix);
    if (!token.ok()) return token.error();
    config.token = token->value_or("");
    auto token_file = r.String(*u, "tokenFile", u_prefix);
    if (!token_file.ok()) return token_file.error();
    if (token_file->has_value() && !(*token_file)->empty()) {
      config.token_file = r.Resolve(**token_file);
      auto content = ReadWholeFile(config.token_file);
      if (!content.ok()) return r.Fail(u_prefix + "tokenFile", content.error().message);
    }
    auto cert = r.DataOrFile(*u, "client-certificate-data", "client-certificate", u_prefix,
                             &config.client_cert_field);
    if (!cert.ok()) return cert.error();
    auto key =
        r.DataOrFile(*u, "client-key-data", "client-key", u_prefix, &config.client_key_field);
    if (!key.ok()) return key.error();
    if (cert->has_value() != key->has_value()) {
      return r.Fail(u_prefix + (cert->has_value() ? "client-key-data" : "client-certificate-data"),
                    "required with " +
                        std::string(cert->has_value() ? "a client certificate" : "a client key"));
    }
    if (cert->has_value()) {
      config.client_cert_pem = std::move(**cert);
      config.client_key_pem = std::move(**key);
    }
  }
  return config;
}

Result<Config> LoadInCluster(const InClusterOptions& options) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  std::string host = options.host.empty() ? env("KUBERNETES_SERVICE_HOST") : options.host;
  std::string port = options.port.empty() ? env("KUBERNETES_SERVICE_PORT") : options.port;
  if (host.empty() || port.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
                     "must be set (not running in a pod? use --kubeconfig)");
  }
  std::string h = IsIpv6Literal(host) ? "[" + host + "]" : host;
  auto url = ParseServerUrl("https://" + h + ":" + port,
                            "in-cluster config: KUBERNETES_SERVICE_HOST/PORT");
  if (!url.ok()) return url.error();
  Config config;
  config.server = *url;
  config.source = "in-cluster service account";
  config.token_file = options.service_account_dir + "/token";
  auto token = ReadWholeFile(config.token_file);
  if (!token.ok())
    return MakeError(token.error().code, "in-cluster config: " + token.error().message);
  std::string ca_path = options.service_account_dir + "/ca.crt";
  auto ca = ReadWholeFile(ca_path);
  if (!ca.ok()) return MakeError(ca.error().code, "in-cluster config: " + ca.error().message);
  config.ca_pem = std::move(*ca);
  config.ca_field = "in-cluster config: " + ca_path;
  auto ns = ReadWholeFile(options.service_account_dir + "/namespace");
  if (ns.ok()) {
    while (!ns->empty() && (ns->back() == '\n' || ns->back() == ' ')) ns->pop_back();
    config.default_namespace = *ns;
  }
  return config;
}

}  // namespace waygate::kubeclient

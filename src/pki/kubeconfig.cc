#include "pki/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <string_view>

#include "pki/base64.h"

namespace waygate::pki {
namespace {

// client-go converts kubeconfig YAML to JSON with YAML 1.1 rules before decoding, so a plain
// `yes`, `on`, `null` or `0123` would arrive as a bool, null or number and fail to load as the
// string it is. Values are plain only when they are unmistakably strings, else double-quoted.
bool SafePlain(const std::string& v) {
  if (v.empty() || !std::isalpha(static_cast<unsigned char>(v.front()))) return false;
  for (char c : v) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("._/:@-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  if (v.back() == ':') return false;
  std::string lower;
  for (char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"y", "yes", "n", "no", "true", "false", "on", "off", "null"}) {
    if (lower == word) return false;
  }
  return true;
}

struct Str {
  const std::string& v;
};

YAML::Emitter& operator<<(YAML::Emitter& out, Str s) {
  if (!SafePlain(s.v)) out << YAML::DoubleQuoted;
  return out << s.v;
}

}  // namespace

std::string RenderKubeconfig(const KubeconfigParams& p) {
  using YAML::BeginMap;
  using YAML::BeginSeq;
  using YAML::EndMap;
  using YAML::EndSeq;
  using YAML::Key;
  using YAML::Value;
  YAML::Emitter out;
  out << BeginMap;
  out << Key << "apiVersion" << Value << "v1";
  out << Key << "kind" << Value << "Config";
  out << Key << "clusters" << Value << BeginSeq << BeginMap;
  out << Key << "name" << Value << Str{p.cluster_name};
  out << Key << "cluster" << Value << BeginMap;
  out << Key << "certificate-authority-data" << Value << Base64Encode(p.ca_cert_pem);
  out << Key << "server" << Value << Str{p.server};
  out << EndMap << EndMap << EndSeq;
  out << Key << "users" << Value << BeginSeq << BeginMap;
  out << Key << "name" << Value << Str{p.user_name};
  out << Key << "user" << Value << BeginMap << Key << "token" << Value << Str{p.token} << EndMap;
  out << EndMap << EndSeq;
  out << Key << "contexts" << Value << BeginSeq << BeginMap;
  out << Key << "name" << Value << Str{p.context_name};
  out << Key << "context" << Value << BeginMap;
  out << Key << "cluster" << Value << Str{p.cluster_name};
  out << Key << "user" << Value << Str{p.user_name};
  if (!p.default_namespace.empty()) out << Key << "namespace" << Value << Str{p.default_namespace};
  out << EndMap << EndMap << EndSeq;
  out << Key << "current-context" << Value << Str{p.context_name};
  out << EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string ServerUrl(std::string_view host, int port) {
  bool v6 = host.find(':') != std::string_view::npos && !host.empty() && host.front() != '[';
  std::string h = v6 ? "[" + std::string(host) + "]" : std::string(host);
  return "https://" + h + ":" + std::to_string(port);
}

}  // namespace waygate::pki

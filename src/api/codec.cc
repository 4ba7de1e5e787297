#include "api/codec.h"

#include <vector>

#include "base/go_text.h"
#include "model/yaml_json.h"
#include "protowire/kube_protobuf.h"

namespace waygate::api {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t next = s.find(sep, pos);
    if (next == std::string_view::npos) next = s.size();
    out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

}  // namespace

std::string MediaType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  return Lower(Trim(content_type.substr(0, semi)));
}

Result<nlohmann::json> DecodeBody(std::string_view content_type, std::string_view body) {
  std::string type = MediaType(content_type);
  if (type.empty() || type == "application/json" || type == "*/*") {
    return model::ParseJson(body);
  }
  if (type == "application/yaml" || type == "application/apply-patch+yaml" ||
      type == "text/yaml") {
    nlohmann::json out;
    int documents = 0;
    auto err = model::ParseYamlStream(body, [&](int, nlohmann::json&& doc) {
      if (documents++ == 0) out = std::move(doc);
    });
    if (err) return err->error;
    if (documents > 1) {
      return MakeError(ErrorCode::kInvalid, "yaml: the body holds more than one document");
    }
    return out;
  }
  if (type == protowire::kKubernetesProtobufContentType) {
    return protowire::DecodeKubernetesProtobuf(body);
  }
  return MakeError(ErrorCode::kUnsupported, "unsupported media type " + type);
}

Accept ParseAccept(std::string_view header) {
  Accept accept;
  if (header.empty()) return accept;
  bool any_ok = false;
  bool first = true;
  for (std::string_view part : Split(header, ',')) {
    std::vector<std::string_view> params = Split(part, ';');
    std::string type = Lower(Trim(params[0]));
    std::string as, group;
    for (size_t i = 1; i < params.size(); ++i) {
      std::string p = Trim(params[i]);
      size_t eq = p.find('=');
      if (eq == std::string::npos) continue;
      std::string key = Lower(p.substr(0, eq));
      if (key == "as") as = p.substr(eq + 1);
      if (key == "g") group = p.substr(eq + 1);
    }
    bool json_like = type == "application/json" || type == "*/*" || type == "application/*";
    bool yaml = type == "application/yaml";
    if (!json_like && !yaml) {
      // protobuf and others: we answer JSON only when the client also accepts it.
      first = false;
      continue;
    }
    if (!as.empty()) {
      if (group != "meta.k8s.io") continue;
      if (as == "Table" && !accept.table && !accept.partial) {
        accept.table = true;
        any_ok = true;
      } else if ((as == "PartialObjectMetadata" || as == "PartialObjectMetadataList") &&
                 !accept.table && !accept.partial) {
        accept.partial = true;
        any_ok = true;
      }
      first = false;
      continue;
    }
    if (yaml && first) accept.yaml = true;
    any_ok = true;
    first = false;
  }
  accept.acceptable = any_ok;
  return accept;
}

std::string EncodeJson(const nlohmann::json& value) {
  std::string out =
      gotext::HtmlEscapeJson(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  out += '\n';
  return out;
}

}  // namespace waygate::api

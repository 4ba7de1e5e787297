#include "api/request_info.h"

#include <vector>

namespace waygate::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) parts.push_back(PercentDecode(path.substr(pos, slash - pos), false));
    pos = slash + 1;
  }
  return parts;
}

}  // namespace

// strconv.ParseBool, which kube's query parameter conversion uses.
bool ParseBoolParam(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

namespace {

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

RequestInfo ParseRequestInfo(std::string_view method, std::string_view raw_path,
                             std::string_view raw_query) {
  RequestInfo info;
  info.path = PercentDecode(raw_path, false);
  size_t pos = 0;
  while (pos < raw_query.size()) {
    size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view pair = raw_query.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    if (!key.empty()) info.query.emplace(std::move(key), std::move(value));
    pos = amp + 1;
  }

  std::vector<std::string> parts = SplitPath(raw_path);
  size_t i = 0;
  if (parts.empty()) return info;
  if (parts[0] == "api") {
    if (parts.size() < 2) return info;
    info.version = parts[1];
    i = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() < 3) return info;
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;
  }
  if (i >= parts.size()) return info;  // /api/v1, /apis/g/v: discovery

  info.is_resource = true;
  bool watch_path = false;
  if (parts[i] == "watch") {  // deprecated /watch/ prefix, still served by kube
    watch_path = true;
    ++i;
    if (i >= parts.size()) {
      info.is_resource = false;
      return info;
    }
  }
  // /namespaces/{ns}/{resource}... but /namespaces/{name} and /namespaces/{name}/status|finalize
  // address the Namespace itself.
  if (parts[i] == "namespaces" && i + 2 < parts.size() && parts[i + 2] != "status" &&
      parts[i + 2] != "finalize") {
    info.namespace_ = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i++];
  if (i < parts.size()) info.name = parts[i++];
  if (i < parts.size()) info.subresource = parts[i++];
  if (i < parts.size()) info.subresource += "/" + parts[i];  // unknown depth: 404 later

  bool watch = watch_path || ParseBoolParam(info.Param("watch"));
  if (method == "GET" || method == "HEAD") {
    info.verb = info.name.empty() ? (watch ? "watch" : "list") : (watch ? "watch" : "get");
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = std::string(method);
  }
  return info;
}

}  // namespace waygate::api

#include "api/api.h"

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

#include "api/admission.h"
#include "api/api_internal.h"
#include "api/discovery.h"
#include "base/log.h"
#include "console/console.h"
#include "openapi/openapi.h"
#include "printers/table.h"

namespace waygate::api {

using nlohmann::json;

namespace {

// The Kubernetes version we answer /version with: kubectl on this machine is a dispatcher that
// runs the client matching the server's minor version.
constexpr const char* kKubeMinor = "32";

printers::IncludeObject IncludeMode(const Api::Call& call) {
  return printers::ParseIncludeObject(call.info.Param("includeObject"))
      .value_or(printers::IncludeObject::kMetadata);
}

json PartialMetadata(const json& object) {
  return json{{"kind", "PartialObjectMetadata"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", object.contains("metadata") ? object["metadata"] : json::object()}};
}

}  // namespace

void SendJson(Api::Call& call, int code, const json& value, std::string_view content_type) {
  call.writer.Send(code, content_type, EncodeJson(value), call.warnings);
}

void SendStatus(Api::Call& call, const apistatus::ApiStatus& status) {
  call.writer.Send(status.code, "application/json", apistatus::ToBody(status), call.warnings);
}

void SendError(Api::Call& call, const Error& error, std::string_view name,
               apistatus::FromErrorOptions options) {
  SendStatus(call, apistatus::FromError(error, call.Target(name), options));
}

void SendObject(Api::Call& call, int code, const json& object) {
  if (call.accept.table && call.resource != nullptr) {
    std::vector<const json*> items = {&object};
    json list_meta = {{"resourceVersion", object["metadata"].value("resourceVersion", "")}};
    SendJson(call, code,
             printers::BuildTable(call.resource->group, call.resource->kind, items,
                                  IncludeMode(call), list_meta, std::chrono::system_clock::now(),
                                  printers::ColumnHeaders::kInclude, call.TableContext()));
    return;
  }
  if (call.accept.partial) {
    SendJson(call, code, PartialMetadata(object));
    return;
  }
  SendJson(call, code, object);
}

void SendList(Api::Call& call, const ListResult& list) {
  json meta = {{"resourceVersion", std::to_string(list.revision)}};
  if (!list.continue_token.empty()) meta["continue"] = list.continue_token;
  if (list.remaining_item_count) meta["remainingItemCount"] = *list.remaining_item_count;
  if (call.accept.table) {
    std::vector<const json*> items;
    items.reserve(list.items.size());
    for (const json& item : list.items) items.push_back(&item);
    SendJson(call, 200,
             printers::BuildTable(call.resource->group, call.resource->kind, items,
                                  IncludeMode(call), meta, std::chrono::system_clock::now(),
                                  printers::ColumnHeaders::kInclude, call.TableContext()));
    return;
  }
  json out = {{"kind", call.accept.partial ? "PartialObjectMetadataList" : call.resource->ListKind()},
              {"apiVersion", call.accept.partial ? "meta.k8s.io/v1" : call.resource->ApiVersion()},
              {"metadata", meta},
              {"items", json::array()}};
  json& items = out["items"];
  for (const json& item : list.items) {
    if (call.accept.partial) {
      items.push_back(PartialMetadata(item));
    } else {
      items.push_back(item);
    }
  }
  SendJson(call, 200, out);
}

bool ReadListOptions(Api::Call& call, ListOptions& options) {
  if (call.info.Has("labelSelector")) {
    auto labels = selector::LabelSelector::Parse(call.info.Param("labelSelector"));
    if (!labels.ok()) {
      SendStatus(call, apistatus::BadRequest(labels.error().message));
      return false;
    }
    options.labels = std::move(*labels);
  }
  if (call.info.Has("fieldSelector")) {
    auto fields = selector::FieldSelector::Parse(call.info.Param("fieldSelector"),
                                                 SelectableFields(*call.resource));
    if (!fields.ok()) {
      SendStatus(call, apistatus::BadRequest(fields.error().message));
      return false;
    }
    options.fields = std::move(*fields);
  }
  if (call.info.Has("limit")) {
    std::string_view text = call.info.Param("limit");
    int64_t limit = 0;
    bool ok = !text.empty();
    for (char c : text) {
      if (c < '0' || c > '9' || limit > (int64_t{1} << 40)) ok = false;
      limit = limit * 10 + (c - '0');
    }
    if (!ok) {
      SendStatus(call, apistatus::BadRequest("invalid limit: " + std::string(text)));
      return false;
    }
    options.limit = limit;
  }
  options.continue_token = std::string(call.info.Param("continue"));
  return true;
}

Result<std::unique_ptr<Api>> Api::Create(ApiOptions options) {
  if (options.store == nullptr) return MakeError(ErrorCode::kInvalid, "api: no store");
  std::unique_ptr<Api> api(new Api(std::move(options)));
  // The namespaces every cluster has; created once, kept after.
  std::vector<std::string> initial = {"default", "kube-system", "kube-public", "kube-node-lease"};
  for (const std::string& ns : api->options_.initial_namespaces) initial.push_back(ns);
  const ResourceInfo* namespaces = FindResource("", "v1", "namespaces");
  WriteContext ctx{"", NowRfc3339()};
  for (const std::string& name : initial) {
    auto existing = api->registry_.Get(*namespaces, "", name);
    if (existing.ok()) continue;
    if (existing.error().code != ErrorCode::kNotFound) return existing.error();
    json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    PrepareForCreate(*namespaces, ns, ctx);
    auto created = api->registry_.Create(*namespaces, ns);
    if (!created.ok() && created.error().code != ErrorCode::kConflict) return created.error();
  }
  // Nothing is served before the RBAC policy is read (an empty one would refuse everyone but
  // system:masters).
  if (Status started = api->authz_.Start(); !started.ok()) return started.error();
  // Tokens that expired while the server was down (Lookup refuses them anyway; this frees the
  // store).
  if (auto swept = api->tokens_.Sweep(); !swept.ok()) {
    log::Warn("api: expired tokens not swept: " + swept.error().ToString());
  }
  // Finish deletions interrupted by a restart.
  ListOptions all;
  auto list = api->registry_.List(*namespaces, "", all);
  if (list.ok()) {
    for (const json& ns : list->items) {
      if (ns["metadata"].contains("deletionTimestamp")) {
        api->RequestNamespaceCleanup(ns["metadata"].value("name", ""));
      }
    }
  }
  return api;
}

Api::Api(ApiOptions options)
    : options_(std::move(options)),
      registry_(options_.store),
      gateway_admission_(&registry_, options_.node_port_range),
      tokens_(options_.store),
      authn_(options_.store, &tokens_, options_.admin_token),
      oauth_(options_.store, &tokens_, &authn_, options_.oauth),
      authz_(options_.store) {
  // This server's own writes of RBAC objects take effect before the write is answered; other
  // servers' through the Authorizer's watch.
  registry_.SetAfterWrite([this](const ResourceInfo& info) {
    if (info.group == "rbac.authorization.k8s.io") authz_.Refresh();
  });
  ns_thread_ = std::thread([this] { NamespaceLoop(); });
}

Api::~Api() {
  {
    std::lock_guard<std::mutex> lock(ns_mu_);
    ns_stop_ = true;
  }
  ns_cv_.notify_all();
  if (ns_thread_.joinable()) ns_thread_.join();
}

namespace {

// Forwards to the connection's writer and remembers the status sent, for the audit record.
class StatusRecorder final : public ResponseWriter {
 public:
  explicit StatusRecorder(ResponseWriter& inner) : inner_(inner) {}
  bool Send(int status, std::string_view content_type, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>& headers) override {
    status_ = status;
    return inner_.Send(status, content_type, body, headers);
  }
  bool StartStream(int status, std::string_view content_type) override {
    status_ = status;
    return inner_.StartStream(status, content_type);
  }
  bool WriteChunk(std::string_view data) override { return inner_.WriteChunk(data); }
  bool ClientGone(int timeout_ms) override { return inner_.ClientGone(timeout_ms); }
  bool sent() const override { return inner_.sent(); }
  int status() const { return status_; }

 private:
  ResponseWriter& inner_;
  int status_ = 0;
};

std::string_view AuditResult(int code) {
  if (code >= 200 && code < 300) return "allowed";
  switch (code) {
    case 400: return "bad-request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 409: return "conflict";
    case 422: return "invalid";
    case 429: return "throttled";
    default: return code >= 500 ? "error" : "refused";
  }
}

bool IsWriteVerb(std::string_view verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
         verb == "deletecollection";
}

// The username of a password grant (a form field), for the audit record of a sign-in.
std::string FormField(std::string_view body, std::string_view key) {
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq), true) == key && eq != std::string_view::npos) {
      return PercentDecode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace

// Every write, sign-in, token revocation and refusal (401, 403) leaves one audit line; reads
// that succeed do not (they would drown the writes, and kube's default policy skips them too).
void Api::Handle(const HttpRequest& request, ResponseWriter& writer) {
  if (options_.audit == nullptr) {
    audit::Event unused;
    Serve(request, writer, unused);
    return;
  }
  StatusRecorder recorder(writer);
  audit::Event event;
  Serve(request, recorder, event);
  const int code = recorder.status();
  const bool write = IsWriteVerb(event.verb) || event.verb == "login" || event.verb == "revoke";
  if (!write && code != 401 && code != 403) return;
  event.code = code;
  event.result = std::string(AuditResult(code));
  event.source_ip = request.remote.substr(0, request.remote.rfind(':'));
  if (Status s = options_.audit->Append(event); !s.ok()) {
    log::Warn("api: audit record lost: " + s.error().ToString());
  }
}

void Api::Serve(const HttpRequest& request, ResponseWriter& writer, audit::Event& audit_event) {
  // The console's page and files are public (everything it shows comes from the API with the
  // signed-in user's token), like the sign-in endpoint below.
  if (auto page = console::Serve({request.method, request.path, request.Header("accept"),
                                  request.Header("accept-encoding"),
                                  request.Header("if-none-match")})) {
    writer.Send(page->status, page->content_type, page->body, page->headers);
    return;
  }
  // How a client gets a token cannot require one.
  if (OAuthServer::Owns(request.path)) {
    if (request.method == "POST") {
      bool revoke = request.path.starts_with("/oauth/revoke");
      audit_event.verb = revoke ? "revoke" : "login";
      audit_event.resource = "oauth";
      if (!revoke) audit_event.user = FormField(request.body, "username");
    }
    oauth_.Handle(request, writer);
    return;
  }
  Call call{request, writer, ParseRequestInfo(request.method, request.path, request.query),
            nullptr, {},     {},
            {},      {},     {},
            {},      false,  &audit_event};
  call.accept = ParseAccept(request.Header("accept"));
  audit_event.verb = call.info.is_resource ? call.info.verb : request.method;
  audit_event.api_group = call.info.group;
  audit_event.resource = call.info.is_resource ? call.info.resource : call.info.path;
  audit_event.subresource = call.info.subresource;
  audit_event.namespace_ = call.info.namespace_;
  audit_event.name = call.info.name;

  const std::string& path = call.info.path;
  bool public_path = path == "/healthz" || path == "/readyz" || path == "/livez" ||
                     path == "/version" || path.starts_with("/healthz/") ||
                     path.starts_with("/readyz/") || path.starts_with("/livez/");
  std::optional<std::string_view> authorization;
  if (auto it = request.headers.find("authorization"); it != request.headers.end()) {
    authorization = it->second;
  }
  // As kube-apiserver: credentials that are presented are checked even on public paths (a
  // wrong token is 401 everywhere); no credentials at all reach only the public paths.
  Authentication authn = authn_.Authenticate(authorization);
  switch (authn.outcome) {
    case Authentication::Outcome::kAuthenticated:
      call.user = authn.user.name;  // kubesphere.io/creator of what this request creates
      audit_event.user = authn.user.name;
      call.user_info = std::move(authn.user);
      break;
    case Authentication::Outcome::kAnonymous:
      if (!public_path) {
        SendStatus(call, apistatus::Unauthorized());
        return;
      }
      break;
    case Authentication::Outcome::kRejected:
      SendStatus(call, apistatus::Unauthorized());
      return;
    case Authentication::Outcome::kUnavailable:
      // The store failed while the token or its User was read: the credentials may well be
      // good, so 401 would tell the client to give them up, and 500 would claim a bug here.
      // 503 with Retry-After is "try again", which client-go does on its own.
      call.writer.Send(503, "application/json",
                       apistatus::ToBody(apistatus::ApiStatus{
                           503, "ServiceUnavailable",
                           "the server is currently unable to authenticate the request; retry",
                           json{{"retryAfterSeconds", 1}}}),
                       {{"Retry-After", "1"}});
      return;
  }
  if (call.info.is_resource) {
    ServeResource(call);
  } else {
    ServeNonResource(call);
  }
}

void Api::ServeNonResource(Call& call) {
  const std::string& path = call.info.path;
  if (call.request.method != "GET" && call.request.method != "HEAD") {
    SendStatus(call, apistatus::ApiStatus{405, "MethodNotAllowed",
                                          "the server does not allow this method on the "
                                          "requested resource",
                                          nullptr});
    return;
  }
  if (path == "/healthz" || path == "/readyz" || path == "/livez" ||
      path.starts_with("/healthz/") || path.starts_with("/readyz/") ||
      path.starts_with("/livez/")) {
    call.writer.Send(200, "text/plain; charset=utf-8", "ok");
    return;
  }
  if (path == "/version") {
    SendJson(call, 200,
             json{{"major", "1"},
                  {"minor", kKubeMinor},
                  {"gitVersion", std::string("v1.") + kKubeMinor + ".0-waygate"},
                  {"gitCommit", "waygate"},
                  {"gitTreeState", "clean"},
                  {"buildDate", "2026-11-27T00:00:00Z"},
                  {"goVersion", "go1.23"},
                  {"compiler", "gc"},
                  {"platform", "linux/amd64"}});
    return;
  }
  std::string aggregated = WantsAggregated(call.request.Header("accept"));
  if (path == "/api" || path == "/api/") {
    if (!aggregated.empty()) {
      SendJson(call, 200, AggregatedDiscovery(true, aggregated),
               "application/json;g=apidiscovery.k8s.io;v=" + aggregated +
                   ";as=APIGroupDiscoveryList");
    } else {
      SendJson(call, 200, LegacyCoreVersions(options_.server_address));
    }
    return;
  }
  if (path == "/apis" || path == "/apis/") {
    if (!aggregated.empty()) {
      SendJson(call, 200, AggregatedDiscovery(false, aggregated),
               "application/json;g=apidiscovery.k8s.io;v=" + aggregated +
                   ";as=APIGroupDiscoveryList");
    } else {
      SendJson(call, 200, LegacyGroupList());
    }
    return;
  }
  if (path.starts_with("/api/") || path.starts_with("/apis/")) {
    json doc;
    if (!call.info.version.empty()) {
      doc = ResourceList(call.info.group, call.info.version);
    } else if (path.starts_with("/apis/")) {
      std::string group = path.substr(6);
      if (!group.empty() && group.back() == '/') group.pop_back();
      doc = ApiGroup(group);
    }
    if (!doc.is_null()) {
      SendJson(call, 200, doc);
      return;
    }
  }
  if (path == "/openapi/v2" || path == "/openapi/v3" || path.starts_with("/openapi/v3/")) {
    ServeOpenApi(call);
    return;
  }
  SendStatus(call, apistatus::NotFoundPath());
}

// OpenAPI, as kube-apiserver serves it (what kubectl 1.27-1.33 rely on is pinned in
// src/openapi/README.md): v3 index and per-group-version documents addressed by content hash
// (cacheable forever when the hash matches, 301 to the current hash otherwise), and v2, which
// kubectl 1.27/1.28 still fetch as protobuf before every create or apply.
void Api::ServeOpenApi(Call& call) {
  const openapi::Documents& docs = openapi::Get();
  const std::string& path = call.info.path;
  std::string_view accept = call.request.Header("accept");
  auto accepts_json = [&] {
    return accept.empty() || accept.find("application/json") != std::string_view::npos ||
           accept.find("*/*") != std::string_view::npos ||
           accept.find("application/*") != std::string_view::npos;
  };
  if (path == "/openapi/v2") {
    if (accept.find("com.github.proto-openapi.spec.v2") != std::string_view::npos) {
      // Go's mime parser rejects the '@' spelling clients ask with: answer with the '.' one.
      call.writer.Send(200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                       docs.v2_protobuf);
    } else if (accepts_json()) {
      call.writer.Send(200, "application/json", docs.v2_json);
    } else {
      static constexpr std::string_view kTypes[] = {
          "application/json", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"};
      SendStatus(call, apistatus::NotAcceptable(kTypes));
    }
    return;
  }
  if (path == "/openapi/v3") {
    call.writer.Send(200, "application/json", docs.v3_index_json);
    return;
  }
  auto it = docs.v3_groups.find(std::string_view(path).substr(12));
  if (it == docs.v3_groups.end()) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (!accepts_json()) {
    static constexpr std::string_view kTypes[] = {"application/json"};
    SendStatus(call, apistatus::NotAcceptable(kTypes));
    return;
  }
  const auto& doc = it->second;
  std::string_view hash = call.info.Param("hash");
  if (!hash.empty() && hash != doc.hash) {
    call.writer.Send(301, "", "", {{"Location", path + "?hash=" + doc.hash}});
    return;
  }
  std::vector<std::pair<std::string, std::string>> headers = {{"Etag", "\"" + doc.hash + "\""},
                                                              {"Vary", "Accept"}};
  if (call.request.Header("if-none-match") == "\"" + doc.hash + "\"") {
    call.writer.Send(304, "", "", headers);
    return;
  }
  if (!hash.empty()) {
    headers.emplace_back("Cache-Control", "public, immutable");
    char expires[64];
    time_t later = time(nullptr) + 365 * 24 * 3600;
    struct tm tm;
    gmtime_r(&later, &tm);
    strftime(expires, sizeof expires, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    headers.emplace_back("Expires", expires);
  }
  call.writer.Send(200, "application/json", doc.json, headers);
}

void Api::ServeResource(Call& call) {
  if (call.info.group == "authorization.k8s.io") return Reviews(call);
  if (call.info.group == "authentication.k8s.io") return WhoAmI(call);
  call.resource = FindResource(call.info.group, call.info.version, call.info.resource);
  if (call.resource == nullptr) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (!call.accept.acceptable) {
    static constexpr std::string_view kTypes[] = {"application/json", "application/yaml"};
    SendStatus(call, apistatus::NotAcceptable(kTypes));
    return;
  }
  if (call.accept.table && !printers::ParseIncludeObject(call.info.Param("includeObject"))) {
    SendStatus(call, apistatus::BadRequest(
                         "Unable to convert to Table as requested: includeObject: Invalid value: "
                         "\"" +
                         std::string(call.info.Param("includeObject")) +
                         "\": must be 'Metadata', 'Object', 'None', or empty"));
    return;
  }
  if (call.accept.table) {
    call.table_context = [this, resource = call.resource] { return TableContextFor(*resource); };
  }
  const std::string& sub = call.info.subresource;
  if (sub == "access" && call.resource->has_access) {
    if (!Authorize(call)) return;
    return Access(call);
  }
  if (sub == "metrics" || sub == "log") return Monitoring(call);
  if (!sub.empty() && !(sub == "status" && call.resource->has_status)) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (!sub.empty() && call.info.verb != "get" && call.info.verb != "update" &&
      call.info.verb != "patch") {
    SendStatus(call, apistatus::MethodNotSupported(call.resource->group, call.resource->resource,
                                                   call.info.verb));
    return;
  }
  // A namespaced resource addressed without a namespace is a cluster-wide list or watch only.
  if (call.resource->namespaced && call.info.namespace_.empty() &&
      call.info.verb != "list" && call.info.verb != "watch") {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (!call.resource->namespaced && !call.info.namespace_.empty()) {
    SendStatus(call, apistatus::NotFoundPath());
    return;
  }
  if (!Authorize(call)) return;
  const std::string& verb = call.info.verb;
  if (verb == "get") return Get(call);
  if (verb == "list") return List(call);
  if (verb == "watch") return Watch(call);
  if (verb == "create") {
    if (!call.info.name.empty()) {
      SendStatus(call, apistatus::MethodNotSupported(call.resource->group,
                                                     call.resource->resource, "create"));
      return;
    }
    return Create(call);
  }
  if (verb == "update") {
    if (call.info.name.empty()) {
      SendStatus(call, apistatus::MethodNotSupported(call.resource->group,
                                                     call.resource->resource, "update"));
      return;
    }
    return Update(call);
  }
  if (verb == "patch") {
    if (call.info.name.empty()) {
      SendStatus(call, apistatus::MethodNotSupported(call.resource->group,
                                                     call.resource->resource, "patch"));
      return;
    }
    return Patch(call);
  }
  if (verb == "delete") return Delete(call);
  if (verb == "deletecollection") return DeleteCollection(call);
  SendStatus(call, apistatus::ApiStatus{405, "MethodNotAllowed",
                                        "the server does not allow this method on the requested "
                                        "resource",
                                        json::object()});
}

}  // namespace waygate::api

#include "openapi/paths.h"

#include <cctype>
#include <map>
#include <string>
#include <vector>

namespace waygate::openapi {
namespace {

using nlohmann::json;

constexpr std::string_view kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";

struct Param {
  std::string_view name;
  std::string_view type;
  std::string_view description;
};

// Query parameters, described in our words.
constexpr Param kAllowWatchBookmarks = {
    "allowWatchBookmarks", "boolean",
    "Ask for BOOKMARK events on a watch. The server may send them, and clients must not assume "
    "when."};
constexpr Param kContinue = {
    "continue", "string",
    "Token from the previous page's metadata.continue, to fetch the next page of a paged list."};
constexpr Param kFieldSelector = {
    "fieldSelector", "string",
    "Restrict the result to objects whose fields match, e.g. metadata.name=foo. Defaults to "
    "everything."};
constexpr Param kLabelSelector = {
    "labelSelector", "string",
    "Restrict the result to objects whose labels match, e.g. app=web,tier!=db or env in (a,b). "
    "Defaults to everything."};
constexpr Param kLimit = {
    "limit", "integer",
    "Maximum number of items to return. When more exist, metadata.continue holds a token for the "
    "next page."};
constexpr Param kResourceVersion = {
    "resourceVersion", "string",
    "For a list: how fresh the result must be (unset: the latest). For a watch: the version to "
    "start after; a version that was compacted away answers 410 Gone."};
constexpr Param kResourceVersionMatch = {
    "resourceVersionMatch", "string",
    "How resourceVersion applies to a list: Exact or NotOlderThan."};
constexpr Param kSendInitialEvents = {
    "sendInitialEvents", "boolean",
    "With watch=true: start the stream with synthetic ADDED events for the current state, "
    "followed by a bookmark."};
constexpr Param kTimeoutSeconds = {"timeoutSeconds", "integer",
                                   "Time limit of a list or watch call, in seconds."};
constexpr Param kWatch = {
    "watch", "boolean",
    "Instead of a list, stream the changes (ADDED, MODIFIED, DELETED) to the matching objects."};
constexpr Param kDryRun = {
    "dryRun", "string",
    "If All, the request is fully processed (admission, validation) but nothing is persisted."};
constexpr Param kFieldManager = {
    "fieldManager", "string",
    "Name of the actor making the change, recorded in metadata.managedFields. Required for apply "
    "patches; at most 128 printable characters."};
constexpr Param kFieldValidation = {
    "fieldValidation", "string",
    "What the server does with unknown or duplicate fields in the body: Ignore (drop them "
    "silently), Warn (drop them and answer with a Warning header each; the default) or Strict "
    "(fail the request with 400 listing them)."};
constexpr Param kForce = {
    "force", "boolean",
    "For apply patches only: take ownership of fields other managers own instead of failing with "
    "a conflict."};
constexpr Param kGracePeriodSeconds = {
    "gracePeriodSeconds", "integer",
    "Seconds before the object is deleted; zero means immediately. Unset uses the kind's default."};
constexpr Param kOrphanDependents = {"orphanDependents", "boolean",
                                     "Deprecated: use propagationPolicy."};
constexpr Param kPropagationPolicy = {
    "propagationPolicy", "string",
    "What happens to dependent objects: Orphan, Background or Foreground."};
constexpr Param kPretty = {"pretty", "string", "If true, the output is indented."};

const std::vector<Param> kListParams = {kAllowWatchBookmarks,
                                        kContinue,
                                        kFieldSelector,
                                        kLabelSelector,
                                        kLimit,
                                        kResourceVersion,
                                        kResourceVersionMatch,
                                        kSendInitialEvents,
                                        kTimeoutSeconds,
                                        kWatch};
const std::vector<Param> kCreateParams = {kDryRun, kFieldManager, kFieldValidation};
const std::vector<Param> kPatchParams = {kDryRun, kFieldManager, kFieldValidation, kForce};
const std::vector<Param> kDeleteParams = {kDryRun, kGracePeriodSeconds, kOrphanDependents,
                                          kPropagationPolicy};
const std::vector<Param> kDeleteCollectionParams = {kContinue,          kDryRun,
                                                    kFieldSelector,     kGracePeriodSeconds,
                                                    kLabelSelector,     kLimit,
                                                    kOrphanDependents,  kPropagationPolicy,
                                                    kResourceVersion,   kResourceVersionMatch,
                                                    kSendInitialEvents, kTimeoutSeconds};

json QueryParam(Dialect d, const Param& p) {
  json out = {{"name", p.name}, {"in", "query"}, {"description", p.description}};
  if (d == Dialect::kV3) {
    out["schema"] = {{"type", p.type}, {"uniqueItems", true}};
  } else {
    out["type"] = p.type;
    out["uniqueItems"] = true;
  }
  return out;
}

json PathParam(Dialect d, std::string_view name, std::string description) {
  json out = {{"name", name}, {"in", "path"}, {"required", true}, {"description", description}};
  if (d == Dialect::kV3) {
    out["schema"] = {{"type", "string"}, {"uniqueItems", true}};
  } else {
    out["type"] = "string";
    out["uniqueItems"] = true;
  }
  return out;
}

json Params(Dialect d, const std::vector<Param>& params) {
  json out = json::array();
  for (const Param& p : params) out.push_back(QueryParam(d, p));
  return out;
}

// "networking.k8s.io" -> "Networking", "gateway.kubesphere.io" -> "GatewayKubesphereIo",
// "" -> "Core": the group part of kube's operation IDs.
std::string GroupWord(std::string_view group) {
  if (group.empty()) return "Core";
  std::string_view g = group;
  if (g.size() > 7 && g.substr(g.size() - 7) == ".k8s.io") g.remove_suffix(7);
  std::string out;
  bool upper = true;
  for (char c : g) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// The description of the kube group/version tag, e.g. "networking_v1".
std::string Tag(const Resource& r) {
  std::string word = GroupWord(r.group);
  word[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(word[0])));
  return word + "_" + std::string(r.version);
}

class Builder {
 public:
  Builder(Dialect d, const Resource& r, std::string_view kind_schema, std::string_view list_schema)
      : d_(d), r_(r), kind_schema_(kind_schema), list_schema_(list_schema) {
    std::string version(r.version);
    version[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(version[0])));
    id_group_ = GroupWord(r.group) + version;
    prefix_ = "/" + GroupVersionPath(r);
  }

  void Add(json& paths) {
    const std::string kind(r_.kind);
    const std::string ns = r_.namespaced ? "Namespaced" : "";
    const std::string ns_path = r_.namespaced ? "/namespaces/{namespace}" : "";
    const std::string collection = prefix_ + ns_path + "/" + std::string(r_.plural);
    const std::string item = collection + "/{name}";

    json& c = paths[collection];
    c["parameters"] = ScopeParams(false);
    c["get"] = Op("list or watch objects of kind " + kind, "list" + id_group_ + ns + kind, "list",
                  kListParams, List(), kStreamTypes);
    c["post"] = Op("create " + Article() + kind, "create" + id_group_ + ns + kind, "post",
                   kCreateParams, Kind(), kObjectTypes);
    c["post"]["responses"] = Responses(Kind(), kObjectTypes, {"200", "201", "202"});
    Body(c["post"], Kind(), {"*/*"});
    c["delete"] =
        Op("delete collection of " + kind, "delete" + id_group_ + "Collection" + ns + kind,
           "deletecollection", kDeleteCollectionParams, Meta("Status"), kObjectTypes);
    Body(c["delete"], Meta("DeleteOptions"), {"*/*"}, false);

    json& i = paths[item];
    i["parameters"] = ScopeParams(true);
    i["get"] = Op("read the specified " + kind, "read" + id_group_ + ns + kind, "get", {}, Kind(),
                  kObjectTypes);
    AddWrites(i, "", kind, ns);
    i["delete"] = Op("delete " + Article() + kind, "delete" + id_group_ + ns + kind, "delete",
                     kDeleteParams, Meta("Status"), kObjectTypes);
    i["delete"]["responses"] = Responses(Meta("Status"), kObjectTypes, {"200", "202"});
    Body(i["delete"], Meta("DeleteOptions"), {"*/*"}, false);

    if (r_.status) {
      json& s = paths[item + "/status"];
      s["parameters"] = ScopeParams(true);
      s["get"] = Op("read status of the specified " + kind,
                    "read" + id_group_ + ns + kind + "Status", "get", {}, Kind(), kObjectTypes);
      AddWrites(s, "status of ", kind, ns + kind + "Status");
    }

    if (r_.namespaced) {
      json& all = paths[prefix_ + "/" + std::string(r_.plural)];
      all["parameters"] = WatchParams(false, false);
      all["get"] =
          Op("list or watch objects of kind " + kind,
             "list" + id_group_ + kind + "ForAllNamespaces", "list", {}, List(), kStreamTypes);
      json& wall = paths[prefix_ + "/watch/" + std::string(r_.plural)];
      wall["parameters"] = WatchParams(false, false);
      wall["get"] = Op("watch individual changes to a list of " + kind +
                           ". deprecated: use the "
                           "'watch' parameter with a list operation instead.",
                       "watch" + id_group_ + kind + "ListForAllNamespaces", "watchlist", {},
                       Meta("WatchEvent"), kWatchTypes);
    }
    json& wl = paths[prefix_ + "/watch" + ns_path + "/" + std::string(r_.plural)];
    wl["parameters"] = WatchParams(r_.namespaced, false);
    wl["get"] = Op("watch individual changes to a list of " + kind +
                       ". deprecated: use the "
                       "'watch' parameter with a list operation instead.",
                   "watch" + id_group_ + ns + kind + "List", "watchlist", {}, Meta("WatchEvent"),
                   kWatchTypes);
    json& wi = paths[prefix_ + "/watch" + ns_path + "/" + std::string(r_.plural) + "/{name}"];
    wi["parameters"] = WatchParams(r_.namespaced, true);
    wi["get"] =
        Op("watch changes to an object of kind " + kind +
               ". deprecated: use the 'watch' "
               "parameter with a list operation instead, filtered to a single item with the "
               "'fieldSelector' parameter.",
           "watch" + id_group_ + ns + kind, "watch", {}, Meta("WatchEvent"), kWatchTypes);
  }

 private:
  static inline const std::vector<std::string> kObjectTypes = {"application/json"};
  static inline const std::vector<std::string> kStreamTypes = {"application/json",
                                                               "application/json;stream=watch"};
  static inline const std::vector<std::string> kWatchTypes = {"application/json;stream=watch"};

  // put and patch of the item or of /status (`what` = "status of ").
  void AddWrites(json& path_item, const std::string& what, const std::string& kind,
                 const std::string& id_suffix) {
    path_item["put"] =
        Op("replace " + what + "the specified " + kind, "replace" + id_group_ + id_suffix, "put",
           kCreateParams, Kind(), kObjectTypes);
    path_item["put"]["responses"] = Responses(Kind(), kObjectTypes, {"200", "201"});
    Body(path_item["put"], Kind(), {"*/*"});
    path_item["patch"] =
        Op("partially update " + what + "the specified " + kind, "patch" + id_group_ + id_suffix,
           "patch", kPatchParams, Kind(), kObjectTypes);
    path_item["patch"]["responses"] = Responses(Kind(), kObjectTypes, {"200", "201"});
    std::vector<std::string> patch_types = {"application/json-patch+json",
                                            "application/merge-patch+json"};
    // kubectl apply computes a strategic merge patch only where PATCH lists it, which is what
    // kube-apiserver does for built-in kinds and not for CRDs.
    if (r_.builtin) patch_types.push_back("application/strategic-merge-patch+json");
    patch_types.push_back("application/apply-patch+yaml");
    Body(path_item["patch"], Meta("Patch"), patch_types);
  }

  std::string Article() const {
    return std::string_view("AEIOU").find(r_.kind[0]) != std::string_view::npos ? "an " : "a ";
  }
  std::string Kind() const { return std::string(kind_schema_); }
  std::string List() const { return std::string(list_schema_); }
  static std::string Meta(std::string_view name) { return std::string(kMeta) + std::string(name); }

  json ScopeParams(bool item) const {
    json out = json::array();
    if (item) out.push_back(PathParam(d_, "name", "name of the " + std::string(r_.kind)));
    if (r_.namespaced) {
      out.push_back(PathParam(d_, "namespace",
                              "object name and auth scope, such as for teams "
                              "and projects"));
    }
    out.push_back(QueryParam(d_, kPretty));
    return out;
  }

  json WatchParams(bool namespaced, bool item) const {
    json out = json::array();
    for (const Param& p : kListParams) out.push_back(QueryParam(d_, p));
    if (item) out.push_back(PathParam(d_, "name", "name of the " + std::string(r_.kind)));
    if (namespaced) {
      out.push_back(PathParam(d_, "namespace",
                              "object name and auth scope, such as for teams "
                              "and projects"));
    }
    out.push_back(QueryParam(d_, kPretty));
    return out;
  }

  json Responses(const std::string& schema, const std::vector<std::string>& types,
                 const std::vector<std::string>& codes) const {
    static const std::map<std::string, std::string> kText = {
        {"200", "OK"}, {"201", "Created"}, {"202", "Accepted"}};
    json out = json::object();
    for (const std::string& code : codes) {
      json r = {{"description", kText.at(code)}};
      if (d_ == Dialect::kV3) {
        for (const std::string& t : types) {
          r["content"][t]["schema"] = SchemaSet::Ref(d_, schema);
        }
      } else {
        r["schema"] = SchemaSet::Ref(d_, schema);
      }
      out[code] = std::move(r);
    }
    out["401"] = {{"description", "Unauthorized"}};
    return out;
  }

  json Op(std::string description, std::string id, std::string_view action,
          const std::vector<Param>& params, const std::string& response_schema,
          const std::vector<std::string>& types) const {
    json op = {{"description", std::move(description)},
               {"operationId", std::move(id)},
               {"tags", json::array({Tag(r_)})},
               {"responses", Responses(response_schema, types, {"200"})},
               {"x-kubernetes-action", action},
               {"x-kubernetes-group-version-kind",
                {{"group", r_.group}, {"kind", r_.kind}, {"version", r_.version}}}};
    if (!params.empty()) op["parameters"] = Params(d_, params);
    if (d_ == Dialect::kV2) {
      op["produces"] = types;
      op["schemes"] = json::array({"https"});
      op["consumes"] = json::array({"*/*"});
    }
    return op;
  }

  // The request body: v3 requestBody, v2 a "body" parameter plus consumes.
  void Body(json& op, const std::string& schema, const std::vector<std::string>& types,
            bool required = true) const {
    if (d_ == Dialect::kV3) {
      json body = json::object();
      for (const std::string& t : types) body["content"][t]["schema"] = SchemaSet::Ref(d_, schema);
      if (required) body["required"] = true;
      op["requestBody"] = std::move(body);
      return;
    }
    op["consumes"] = types;
    json param = {{"name", "body"}, {"in", "body"}, {"schema", SchemaSet::Ref(d_, schema)}};
    if (required) param["required"] = true;
    if (!op.contains("parameters")) op["parameters"] = json::array();
    op["parameters"].insert(op["parameters"].begin(), std::move(param));
  }

  Dialect d_;
  const Resource& r_;
  std::string_view kind_schema_;
  std::string_view list_schema_;
  std::string id_group_;
  std::string prefix_;
};

}  // namespace

void AddResourcePaths(Dialect dialect, const Resource& resource, std::string_view kind_schema,
                      std::string_view list_schema, json& paths) {
  Builder(dialect, resource, kind_schema, list_schema).Add(paths);
}

}  // namespace waygate::openapi

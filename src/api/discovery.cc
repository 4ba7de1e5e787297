#include "api/discovery.h"

#include <map>
#include <set>
#include <vector>

#include "api/resources.h"

namespace waygate::api {
namespace {

using nlohmann::json;

json Verbs(const ResourceInfo&) {
  return json::array(
      {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});
}

json Strings(std::span<const std::string_view> items) {
  json out = json::array();
  for (std::string_view s : items) out.push_back(std::string(s));
  return out;
}

// Group versions in the order discovery lists them (core first, then groups by name).
std::vector<std::pair<std::string, std::string>> GroupVersions() {
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<std::pair<std::string, std::string>> out;
  for (const ResourceInfo& r : AllResources()) {
    auto gv = std::make_pair(std::string(r.group), std::string(r.version));
    if (seen.insert(gv).second) out.push_back(gv);
  }
  return out;
}

// Read-only views served beside an object (monitoring_views.cc), listed as kube lists
// pods/log: a "get"-only subresource. Metrics answer in Waygate's own group (like
// ingresses/access); the log is plain text, so it names the object's kind, as pods/log does.
struct View {
  std::string_view subresource;
  std::string_view group;  // "" with version "": the resource's own kind
  std::string_view version;
  std::string_view kind;
};

std::vector<View> Views(const ResourceInfo& r) {
  if (r.group == "networking.k8s.io" && r.resource == "ingresses") {
    return {{"metrics", kAccessGroup, kAccessVersion, "IngressMetrics"}};
  }
  if (r.group == "gateway.kubesphere.io" && r.resource == "gateways") {
    return {{"metrics", kAccessGroup, kAccessVersion, "GatewayMetrics"}, {"log", "", "", ""}};
  }
  return {};
}

}  // namespace

json LegacyCoreVersions(const std::string& server_address) {
  return json{{"kind", "APIVersions"},
              {"versions", json::array({"v1"})},
              {"serverAddressByClientCIDRs",
               json::array({json{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

json ApiGroup(std::string_view group) {
  json versions = json::array();
  for (const auto& [g, v] : GroupVersions()) {
    if (g == group && !g.empty()) {
      versions.push_back(json{{"groupVersion", g + "/" + v}, {"version", v}});
    }
  }
  if (versions.empty()) return nullptr;
  return json{{"kind", "APIGroup"},
              {"apiVersion", "v1"},
              {"name", std::string(group)},
              {"versions", versions},
              {"preferredVersion", versions[0]}};
}

json LegacyGroupList() {
  json groups = json::array();
  std::set<std::string> done;
  for (const auto& [g, v] : GroupVersions()) {
    if (g.empty() || !done.insert(g).second) continue;
    json group = ApiGroup(g);
    group.erase("kind");
    group.erase("apiVersion");
    groups.push_back(group);
  }
  return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json ResourceList(std::string_view group, std::string_view version) {
  json resources = json::array();
  for (const ResourceInfo& r : AllResources()) {
    if (r.group != group || r.version != version) continue;
    json entry = {{"name", std::string(r.resource)},
                  {"singularName", std::string(r.singular)},
                  {"namespaced", r.namespaced},
                  {"kind", std::string(r.kind)},
                  {"verbs", Verbs(r)}};
    if (!r.short_names.empty()) entry["shortNames"] = Strings(r.short_names);
    if (!r.categories.empty()) entry["categories"] = Strings(r.categories);
    resources.push_back(entry);
    if (r.has_status) {
      resources.push_back(json{{"name", std::string(r.resource) + "/status"},
                               {"singularName", ""},
                               {"namespaced", r.namespaced},
                               {"kind", std::string(r.kind)},
                               {"verbs", json::array({"get", "patch", "update"})}});
    }
    if (r.has_access) {
      resources.push_back(json{{"name", std::string(r.resource) + "/access"},
                               {"singularName", ""},
                               {"namespaced", r.namespaced},
                               {"group", kAccessGroup},
                               {"version", kAccessVersion},
                               {"kind", kAccessKind},
                               {"verbs", json::array({"get"})}});
    }
    for (const View& v : Views(r)) {
      json entry = {{"name", std::string(r.resource) + "/" + std::string(v.subresource)},
                    {"singularName", ""},
                    {"namespaced", r.namespaced},
                    {"kind", std::string(v.kind.empty() ? r.kind : v.kind)},
                    {"verbs", json::array({"get"})}};
      if (!v.group.empty()) {
        entry["group"] = std::string(v.group);
        entry["version"] = std::string(v.version);
      }
      resources.push_back(std::move(entry));
    }
  }
  if (resources.empty()) return nullptr;
  std::string gv = group.empty() ? std::string(version)
                                 : std::string(group) + "/" + std::string(version);
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", gv},
              {"resources", resources}};
}

json AggregatedDiscovery(bool core, std::string_view version) {
  std::map<std::string, std::map<std::string, json>> groups;  // group -> version -> resources
  std::vector<std::string> order;
  for (const ResourceInfo& r : AllResources()) {
    if (r.group.empty() != core) continue;
    std::string g(r.group);
    if (!groups.count(g)) order.push_back(g);
    json& list = groups[g][std::string(r.version)];
    if (list.is_null()) list = json::array();
    json entry = {{"resource", std::string(r.resource)},
                  {"responseKind",
                   {{"group", g}, {"version", std::string(r.version)}, {"kind", std::string(r.kind)}}},
                  {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                  {"singularResource", std::string(r.singular)},
                  {"verbs", Verbs(r)}};
    if (!r.short_names.empty()) entry["shortNames"] = Strings(r.short_names);
    if (!r.categories.empty()) entry["categories"] = Strings(r.categories);
    json subresources = json::array();
    if (r.has_status) {
      subresources.push_back(
          json{{"subresource", "status"},
               {"responseKind",
                {{"group", g}, {"version", std::string(r.version)}, {"kind", std::string(r.kind)}}},
               {"verbs", json::array({"get", "patch", "update"})}});
    }
    if (r.has_access) {
      subresources.push_back(
          json{{"subresource", "access"},
               {"responseKind",
                {{"group", kAccessGroup}, {"version", kAccessVersion}, {"kind", kAccessKind}}},
               {"verbs", json::array({"get"})}});
    }
    for (const View& v : Views(r)) {
      json kind = v.group.empty()
                      ? json{{"group", g}, {"version", std::string(r.version)},
                             {"kind", std::string(r.kind)}}
                      : json{{"group", std::string(v.group)}, {"version", std::string(v.version)},
                             {"kind", std::string(v.kind)}};
      subresources.push_back(json{{"subresource", std::string(v.subresource)},
                                  {"responseKind", std::move(kind)},
                                  {"verbs", json::array({"get"})}});
    }
    if (!subresources.empty()) entry["subresources"] = std::move(subresources);
    list.push_back(entry);
  }
  json items = json::array();
  for (const std::string& g : order) {
    json versions = json::array();
    for (auto& [v, resources] : groups[g]) {
      versions.push_back(json{{"version", v}, {"resources", resources}, {"freshness", "Current"}});
    }
    json meta = json::object();
    if (!g.empty()) meta["name"] = g;
    items.push_back(json{{"metadata", meta}, {"versions", versions}});
  }
  return json{{"kind", "APIGroupDiscoveryList"},
              {"apiVersion", "apidiscovery.k8s.io/" + std::string(version)},
              {"metadata", json::object()},
              {"items", items}};
}

std::string WantsAggregated(std::string_view accept) {
  // Clients list the aggregated types first, newest first, then plain JSON as a fallback.
  size_t pos = 0;
  while (pos < accept.size()) {
    size_t comma = accept.find(',', pos);
    if (comma == std::string_view::npos) comma = accept.size();
    std::string_view part = accept.substr(pos, comma - pos);
    if (part.find("as=APIGroupDiscoveryList") != std::string_view::npos &&
        part.find("g=apidiscovery.k8s.io") != std::string_view::npos &&
        part.find("application/json") != std::string_view::npos) {
      if (part.find("v=v2beta1") != std::string_view::npos) return "v2beta1";
      if (part.find("v=v2") != std::string_view::npos) return "v2";
    }
    pos = comma + 1;
  }
  return "";
}

}  // namespace waygate::api

// The catalog of resources the API serves: REST names, kinds, scope and the per-resource rules
// the handlers need (status subresource, generation). One static table, read-only.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace waygate::api {

// What GET .../ingresses/NAME/access answers with (access_views.cc): Waygate's own kind, so
// typed clients are not led to decode it as an Ingress. Discovery lists it as kube lists a
// subresource answered in another group (deployments/scale -> autoscaling/v1 Scale).
inline constexpr const char* kAccessGroup = "waygate.io";
inline constexpr const char* kAccessVersion = "v1alpha1";
inline constexpr const char* kAccessKind = "IngressAccess";
inline constexpr const char* kAccessListKind = "IngressAccessList";

struct ResourceInfo {
  std::string_view group;     // "" for the core group (paths under /api/v1)
  std::string_view version;   // "v1", "v1alpha1"
  std::string_view resource;  // plural, the path segment: "ingresses"
  std::string_view singular;  // "ingress"
  std::string_view kind;      // "Ingress"
  bool namespaced = true;
  std::span<const std::string_view> short_names;
  std::span<const std::string_view> categories;
  bool has_status = false;      // a /status subresource; the main resource ignores status
  bool has_generation = false;  // metadata.generation counts spec changes
  bool custom = false;          // served like a CustomResourceDefinition (no strategic merge)
  // An /access subresource (GET only): the Ingress's access table (access_views.cc).
  bool has_access = false;

  std::string ApiVersion() const;  // "v1" or "networking.k8s.io/v1"
  std::string ListKind() const;    // "IngressList"
  // "/api/v1" or "/apis/networking.k8s.io/v1"
  std::string GroupVersionPath() const;
};

std::span<const ResourceInfo> AllResources();
const ResourceInfo* FindResource(std::string_view group, std::string_view version,
                                 std::string_view resource);
const ResourceInfo* FindByKind(std::string_view group, std::string_view kind);

// Storage keys: /registry/<group or "core">/<resource>/[<namespace>/]<name>. Every object of a
// resource shares one prefix, and a namespace's objects one narrower prefix, so a list is one
// range read.
std::string KeyPrefix(const ResourceInfo& info, std::string_view namespace_);
std::string ObjectKey(const ResourceInfo& info, std::string_view namespace_,
                      std::string_view name);

}  // namespace waygate::api

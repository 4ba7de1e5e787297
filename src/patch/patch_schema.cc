#include "patch/patch_schema.h"

#include <array>
#include <initializer_list>
#include <utility>

namespace waygate::patch {
namespace {

using Field = std::pair<const char*, FieldPatchMeta>;

const FieldPatchMeta kMergeByType{PatchStrategy::kMerge, "type"};
const FieldPatchMeta kMergeScalars{PatchStrategy::kMerge, ""};
const FieldPatchMeta kAtomic{PatchStrategy::kReplace, ""};

// ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1/types.go): ownerReferences merge by uid,
// finalizers merge as a set of strings; labels and annotations are maps, which always merge.
PatchSchema Make(const char* group, const char* kind, std::initializer_list<Field> fields) {
  PatchSchema schema{group, kind, {}};
  schema.fields.emplace("metadata.ownerReferences", FieldPatchMeta{PatchStrategy::kMerge, "uid"});
  schema.fields.emplace("metadata.finalizers", kMergeScalars);
  schema.fields.emplace("metadata.managedFields", kAtomic);
  for (const Field& field : fields) schema.fields.insert_or_assign(field.first, field.second);
  return schema;
}

// Tags as in k8s.io/api v1.32: core/v1/types.go, discovery/v1/types.go, networking/v1/types.go,
// rbac/v1/types.go.
// Lists written as kAtomic carry no patchStrategy tag there; they are listed to make the choice
// visible (an Ingress's rules and tls are replaced whole, as kube-apiserver does).
const std::array<PatchSchema, 14>& Builtins() {
  static const std::array<PatchSchema, 14> schemas = {
      Make("", "Namespace", {{"spec.finalizers", kAtomic}, {"status.conditions", kMergeByType}}),
      Make("", "Service",
           {{"spec.ports", {PatchStrategy::kMerge, "port"}},
            {"spec.clusterIPs", kAtomic},
            {"spec.externalIPs", kAtomic},
            {"spec.ipFamilies", kAtomic},
            {"spec.loadBalancerSourceRanges", kAtomic},
            {"status.conditions", kMergeByType},
            {"status.loadBalancer.ingress", kAtomic},
            {"status.loadBalancer.ingress.ports", kAtomic}}),
      Make("", "Endpoints",
           {{"subsets", kAtomic},
            {"subsets.addresses", kAtomic},
            {"subsets.notReadyAddresses", kAtomic},
            {"subsets.ports", kAtomic}}),
      Make("", "Secret", {}),
      Make("", "ConfigMap", {}),
      Make("", "Node",
           {{"spec.podCIDRs", kMergeScalars},
            {"spec.taints", kAtomic},
            {"status.addresses", kMergeByType},
            {"status.conditions", kMergeByType},
            {"status.images", kAtomic},
            {"status.volumesAttached", kAtomic},
            {"status.volumesInUse", kAtomic}}),
      Make("", "Event", {}),
      Make("discovery.k8s.io", "EndpointSlice",
           {{"endpoints", kAtomic}, {"endpoints.addresses", kAtomic}, {"ports", kAtomic}}),
      Make("networking.k8s.io", "Ingress",
           {{"spec.rules", kAtomic},
            {"spec.rules.http.paths", kAtomic},
            {"spec.tls", kAtomic},
            {"spec.tls.hosts", kAtomic},
            {"status.loadBalancer.ingress", kAtomic},
            {"status.loadBalancer.ingress.ports", kAtomic}}),
      Make("networking.k8s.io", "IngressClass", {}),
      // rbac/v1/types.go tags none of its lists: rules and subjects are replaced whole.
      Make("rbac.authorization.k8s.io", "Role", {}),
      Make("rbac.authorization.k8s.io", "ClusterRole", {}),
      Make("rbac.authorization.k8s.io", "RoleBinding", {}),
      Make("rbac.authorization.k8s.io", "ClusterRoleBinding", {}),
  };
  return schemas;
}

}  // namespace

const FieldPatchMeta* PatchSchema::Find(std::string_view path) const {
  auto it = fields.find(path);
  return it == fields.end() ? nullptr : &it->second;
}

const PatchSchema* SchemaFor(std::string_view group, std::string_view kind) {
  for (const PatchSchema& schema : Builtins()) {
    if (schema.group == group && schema.kind == kind) return &schema;
  }
  return nullptr;
}

}  // namespace waygate::patch

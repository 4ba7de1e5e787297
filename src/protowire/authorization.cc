// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview (what
// `kubectl auth can-i` and `kubectl auth can-i --list` POST). Field numbers:
// k8s.io/api/authorization/v1/generated.proto. JSON shape: the Go struct tags; `spec` has no
// omitempty, the attribute strings and the two attribute pointers do. `status` is a struct, so
// encoding/json writes its zero value even under omitempty; the server overwrites it anyway.
#include "protowire/decode_macros.h"
#include "protowire/decode_util.h"
#include "protowire/kinds.h"

namespace waygate::protowire::internal {
namespace {

// fieldSelector (8) and labelSelector (9) are skipped: Waygate's authorizer does not look at
// them, and a skipped field only widens the question asked, as kube does without the feature.
Result<json> DecodeResourceAttributes(std::string_view bytes) {
  static constexpr struct {
    uint32_t number;
    const char* key;
    const char* where;
  } kStrings[] = {
      {1, "namespace", "ResourceAttributes.namespace"},
      {2, "verb", "ResourceAttributes.verb"},
      {3, "group", "ResourceAttributes.group"},
      {4, "version", "ResourceAttributes.version"},
      {5, "resource", "ResourceAttributes.resource"},
      {6, "subresource", "ResourceAttributes.subresource"},
      {7, "name", "ResourceAttributes.name"},
  };
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    for (const auto& s : kStrings) {
      if (f.number != s.number) continue;
      WG_PW_ASSIGN(std::string v, AsString(f, s.where));
      SetOmitEmpty(out, s.key, std::move(v));
    }
  }
  return out;
}

Result<json> DecodeNonResourceAttributes(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "NonResourceAttributes.path"));
      SetOmitEmpty(out, "path", std::move(s));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string s, AsString(f, "NonResourceAttributes.verb"));
      SetOmitEmpty(out, "verb", std::move(s));
    }
  }
  return out;
}

// Both attributes are pointers: present (even empty) means set, so the API layer can tell
// "neither given" from "given but empty", as kube's validation does.
Result<json> DecodeSelfSubjectAccessReviewSpec(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b,
                   AsBytes(f, "SelfSubjectAccessReviewSpec.resourceAttributes"));
      WG_PW_ASSIGN(out["resourceAttributes"], DecodeResourceAttributes(b));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b,
                   AsBytes(f, "SelfSubjectAccessReviewSpec.nonResourceAttributes"));
      WG_PW_ASSIGN(out["nonResourceAttributes"], DecodeNonResourceAttributes(b));
    }
  }
  return out;
}

Result<json> DecodeSelfSubjectRulesReviewSpec(std::string_view bytes) {
  json out = json::object();
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string s, AsString(f, "SelfSubjectRulesReviewSpec.namespace"));
      SetOmitEmpty(out, "namespace", std::move(s));
    }
  }
  return out;
}

}  // namespace

Result<json> DecodeSelfSubjectAccessReview(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}},
              {"spec", json::object()},
              {"status", {{"allowed", false}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "SelfSubjectAccessReview.metadata"));
      WG_PW_ASSIGN(out["metadata"], DecodeObjectMeta(b));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "SelfSubjectAccessReview.spec"));
      WG_PW_ASSIGN(out["spec"], DecodeSelfSubjectAccessReviewSpec(b));
    }  // status (3) is the server's to write
  }
  return out;
}

Result<json> DecodeSelfSubjectRulesReview(std::string_view bytes) {
  json out = {{"metadata", {{"creationTimestamp", nullptr}}},
              {"spec", json::object()},
              {"status",
               {{"resourceRules", nullptr}, {"nonResourceRules", nullptr}, {"incomplete", false}}}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "SelfSubjectRulesReview.metadata"));
      WG_PW_ASSIGN(out["metadata"], DecodeObjectMeta(b));
    } else if (f.number == 2) {
      WG_PW_ASSIGN(std::string_view b, AsBytes(f, "SelfSubjectRulesReview.spec"));
      WG_PW_ASSIGN(out["spec"], DecodeSelfSubjectRulesReviewSpec(b));
    }  // status (3) is the server's to write
  }
  return out;
}

}  // namespace waygate::protowire::internal

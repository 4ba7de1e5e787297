// ObjectMeta and OwnerReference. Field numbers: k8s.io/apimachinery/pkg/apis/meta/v1/
// generated.proto. JSON shape: the Go struct tags (string fields are omitempty; the pointer
// fields keep presence).
#include "protowire/decode_macros.h"
#include "protowire/decode_util.h"
#include "protowire/kinds.h"

namespace waygate::protowire::internal {
namespace {

Result<json> DecodeOwnerReference(std::string_view bytes) {
  json out = {{"apiVersion", ""}, {"kind", ""}, {"name", ""}, {"uid", ""}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(out["kind"], AsString(f, "OwnerReference.kind"));
        break;
      }
      case 3: {
        WG_PW_ASSIGN(out["name"], AsString(f, "OwnerReference.name"));
        break;
      }
      case 4: {
        WG_PW_ASSIGN(out["uid"], AsString(f, "OwnerReference.uid"));
        break;
      }
      case 5: {
        WG_PW_ASSIGN(out["apiVersion"], AsString(f, "OwnerReference.apiVersion"));
        break;
      }
      case 6: {
        WG_PW_ASSIGN(out["controller"], AsBool(f, "OwnerReference.controller"));
        break;
      }
      case 7: {
        WG_PW_ASSIGN(out["blockOwnerDeletion"], AsBool(f, "OwnerReference.blockOwnerDeletion"));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace

Result<json> DecodeObjectMeta(std::string_view bytes) {
  // creationTimestamp is a struct, not a pointer, so encoding/json always writes it.
  json out = {{"creationTimestamp", nullptr}};
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    switch (f.number) {
      case 1: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.name"));
        SetOmitEmpty(out, "name", std::move(s));
        break;
      }
      case 2: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.generateName"));
        SetOmitEmpty(out, "generateName", std::move(s));
        break;
      }
      case 3: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.namespace"));
        SetOmitEmpty(out, "namespace", std::move(s));
        break;
      }
      case 4: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.selfLink"));
        SetOmitEmpty(out, "selfLink", std::move(s));
        break;
      }
      case 5: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.uid"));
        SetOmitEmpty(out, "uid", std::move(s));
        break;
      }
      case 6: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.resourceVersion"));
        SetOmitEmpty(out, "resourceVersion", std::move(s));
        break;
      }
      case 7: {
        WG_PW_ASSIGN(int64_t g, AsInt64(f, "ObjectMeta.generation"));
        if (g == 0) {
          out.erase("generation");
        } else {
          out["generation"] = g;
        }
        break;
      }
      case 8: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "ObjectMeta.creationTimestamp"));
        WG_PW_ASSIGN(out["creationTimestamp"], DecodeTime(b, "ObjectMeta.creationTimestamp"));
        break;
      }
      case 9: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "ObjectMeta.deletionTimestamp"));
        WG_PW_ASSIGN(out["deletionTimestamp"], DecodeTime(b, "ObjectMeta.deletionTimestamp"));
        break;
      }
      case 10: {
        WG_PW_ASSIGN(out["deletionGracePeriodSeconds"],
                     AsInt64(f, "ObjectMeta.deletionGracePeriodSeconds"));
        break;
      }
      case 11:
        WG_PW_CHECK(AddStringMapEntry(f, out["labels"], "ObjectMeta.labels"));
        break;
      case 12:
        WG_PW_CHECK(AddStringMapEntry(f, out["annotations"], "ObjectMeta.annotations"));
        break;
      case 13: {
        WG_PW_ASSIGN(std::string_view b, AsBytes(f, "ObjectMeta.ownerReferences"));
        WG_PW_ASSIGN(json ref, DecodeOwnerReference(b));
        out["ownerReferences"].push_back(std::move(ref));
        break;
      }
      case 14: {
        WG_PW_ASSIGN(std::string s, AsString(f, "ObjectMeta.finalizers"));
        out["finalizers"].push_back(std::move(s));
        break;
      }
      default:  // managedFields (17) and anything newer: not sent by `kubectl create`
        break;
    }
  }
  return out;
}

}  // namespace waygate::protowire::internal

#include "protowire/kube_protobuf.h"

#include "protowire/decode_macros.h"
#include "protowire/decode_util.h"
#include "protowire/kinds.h"

namespace waygate::protowire {
namespace {

using internal::json;

constexpr std::string_view kMagic("k8s\0", 4);

struct Unknown {
  std::string api_version;
  std::string kind;
  std::string_view raw;
  std::string content_encoding;
};

Result<Unknown> DecodeUnknown(std::string_view bytes) {
  Unknown u;
  WireReader r(bytes);
  while (!r.done()) {
    WG_PW_ASSIGN(Field f, r.Next());
    if (f.number == 1) {
      WG_PW_ASSIGN(std::string_view tm, internal::AsBytes(f, "Unknown.typeMeta"));
      WireReader tr(tm);
      while (!tr.done()) {
        WG_PW_ASSIGN(Field tf, tr.Next());
        if (tf.number == 1) {
          WG_PW_ASSIGN(u.api_version, internal::AsString(tf, "TypeMeta.apiVersion"));
        } else if (tf.number == 2) {
          WG_PW_ASSIGN(u.kind, internal::AsString(tf, "TypeMeta.kind"));
        }
      }
    } else if (f.number == 2) {
      WG_PW_ASSIGN(u.raw, internal::AsBytes(f, "Unknown.raw"));
    } else if (f.number == 3) {
      WG_PW_ASSIGN(u.content_encoding, internal::AsString(f, "Unknown.contentEncoding"));
    }  // contentType (4) names the raw encoding; only protobuf reaches here
  }
  return u;
}

using KindDecoder = Result<json> (*)(std::string_view);

KindDecoder DecoderFor(std::string_view api_version, std::string_view kind) {
  if (api_version == "v1") {
    if (kind == "Namespace") return internal::DecodeNamespace;
    if (kind == "Secret") return internal::DecodeSecret;
    if (kind == "ConfigMap") return internal::DecodeConfigMap;
    if (kind == "Service") return internal::DecodeService;
  } else if (api_version == "networking.k8s.io/v1" && kind == "Ingress") {
    return internal::DecodeIngress;
  } else if (api_version == "rbac.authorization.k8s.io/v1") {
    if (kind == "Role") return internal::DecodeRole;
    if (kind == "ClusterRole") return internal::DecodeClusterRole;
    if (kind == "RoleBinding") return internal::DecodeRoleBinding;
    if (kind == "ClusterRoleBinding") return internal::DecodeClusterRoleBinding;
  } else if (api_version == "authorization.k8s.io/v1") {
    if (kind == "SelfSubjectAccessReview") return internal::DecodeSelfSubjectAccessReview;
    if (kind == "SelfSubjectRulesReview") return internal::DecodeSelfSubjectRulesReview;
  }
  return nullptr;
}

}  // namespace

Result<json> DecodeKubernetesProtobuf(std::string_view body) {
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return MakeError(ErrorCode::kInvalid, "protobuf body does not start with the k8s magic");
  }
  WG_PW_ASSIGN(Unknown u, DecodeUnknown(body.substr(kMagic.size())));
  if (!u.content_encoding.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     "protobuf contentEncoding \"" + u.content_encoding + "\" is not supported");
  }
  const KindDecoder decode = DecoderFor(u.api_version, u.kind);
  if (decode == nullptr) {
    return MakeError(ErrorCode::kUnsupported, "protobuf encoding of " + u.api_version + ", Kind=" +
                                                  u.kind + " is not supported; send JSON");
  }
  WG_PW_ASSIGN(json out, decode(u.raw));
  out["apiVersion"] = u.api_version;
  out["kind"] = u.kind;
  return out;
}

}  // namespace waygate::protowire

// Decodes an application/vnd.kubernetes.protobuf request body into the JSON a JSON client would
// have sent for the same object, so the API layer handles one representation.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"

namespace waygate::protowire {

inline constexpr std::string_view kKubernetesProtobufContentType =
    "application/vnd.kubernetes.protobuf";

// `body` is the 4-byte magic "k8s\0" then a runtime.Unknown {typeMeta = 1 {apiVersion = 1,
// kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}; `raw` is the object's own encoding.
// Kinds: v1 Namespace, Secret, ConfigMap, Service; networking.k8s.io/v1 Ingress.
// Errors: kInvalid for bad magic or malformed bytes (HTTP 400); kUnsupported naming the
// apiVersion/kind, or a non-empty contentEncoding (HTTP 415). Never throws, never reads past
// `body`.
Result<nlohmann::json> DecodeKubernetesProtobuf(std::string_view body);

}  // namespace waygate::protowire

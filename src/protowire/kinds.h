// Per-kind decoders: the protobuf encoding of one object (runtime.Unknown.raw) to the JSON that
// encoding/json writes for the same Go struct (internal to protowire).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"

namespace waygate::protowire::internal {

// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
Result<nlohmann::json> DecodeObjectMeta(std::string_view bytes);

// k8s.io/api/core/v1/generated.proto
Result<nlohmann::json> DecodeNamespace(std::string_view bytes);
Result<nlohmann::json> DecodeSecret(std::string_view bytes);
Result<nlohmann::json> DecodeConfigMap(std::string_view bytes);
Result<nlohmann::json> DecodeService(std::string_view bytes);

// k8s.io/api/networking/v1/generated.proto
Result<nlohmann::json> DecodeIngress(std::string_view bytes);

// k8s.io/api/rbac/v1/generated.proto
Result<nlohmann::json> DecodeRole(std::string_view bytes);
Result<nlohmann::json> DecodeClusterRole(std::string_view bytes);
Result<nlohmann::json> DecodeRoleBinding(std::string_view bytes);
Result<nlohmann::json> DecodeClusterRoleBinding(std::string_view bytes);

// k8s.io/api/authorization/v1/generated.proto
Result<nlohmann::json> DecodeSelfSubjectAccessReview(std::string_view bytes);
Result<nlohmann::json> DecodeSelfSubjectRulesReview(std::string_view bytes);

}  // namespace waygate::protowire::internal

// Request bodies in (JSON, YAML, Kubernetes protobuf) and the response media type out, as
// kube-apiserver negotiates them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::api {

// The media type without parameters, lower-cased: "application/json".
std::string MediaType(std::string_view content_type);

// Decodes a create/update body by its Content-Type (empty means JSON). kUnsupported for a
// media type the handlers do not take (415); kInvalid with the parser's line and column for
// undecodable bytes (400).
Result<nlohmann::json> DecodeBody(std::string_view content_type, std::string_view body);

// What the client's Accept header asks for.
struct Accept {
  bool table = false;     // application/json;as=Table;g=meta.k8s.io;v=v1 (or v1beta1)
  bool partial = false;   // as=PartialObjectMetadata(List)
  bool yaml = false;      // application/yaml preferred
  bool acceptable = true; // false: only media types we cannot produce (406)
};
Accept ParseAccept(std::string_view header);

// JSON as kube-apiserver writes it: compact, with Go's HTML-safe escaping (<, >, &, U+2028 and
// U+2029), invalid UTF-8 as U+FFFD, and a newline.
std::string EncodeJson(const nlohmann::json& value);

}  // namespace waygate::api

// ApiStatus: a Kubernetes `Status` failure (meta/v1) and the exact bytes kube-apiserver writes
// for it, so clients that compare messages or decode `details` see what a real cluster sends.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace waygate::apistatus {

struct ApiStatus {
  int code = 500;       // HTTP status, repeated in the body as `code`
  std::string reason;   // StatusReason: "Invalid", "NotFound", ...
  std::string message;  // human text, exactly as kube words it
  // StatusDetails {name, group, kind, uid, causes[{reason, message, field}], retryAfterSeconds}.
  // null: no `details` key at all; an object (even empty) is written, as Go writes a non-nil
  // *StatusDetails whose fields are all empty as `"details":{}`.
  nlohmann::json details;
};

// The Status object as JSON (keys in nlohmann's sorted order; use ToBody for wire bytes).
nlohmann::json ToJson(const ApiStatus& status);

// The response body as kube-apiserver's JSON serializer writes it: meta/v1 field order
// (kind, apiVersion, metadata, status, message, reason, details, code), empty fields omitted,
// Go's HTML-safe escaping (<, >, & as \u003c, \u003e, \u0026), invalid UTF-8 as U+FFFD, and
// the trailing newline of json.Encoder.
std::string ToBody(const ApiStatus& status);

}  // namespace waygate::apistatus

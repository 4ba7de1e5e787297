// Constructors for the Status failures kube-apiserver returns, with the messages and details of
// k8s.io/apimachinery/pkg/api/errors (NewInvalid, NewNotFound, ...) and of the apiserver's
// handlers (forbidden, unsupported media type). `group` is the API group, "" for core.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "apistatus/api_status.h"
#include "base/result.h"
#include "model/field_path.h"

namespace waygate::apistatus {

// schema.GroupResource.String(): "ingresses.networking.k8s.io", or "services" for core.
std::string QualifiedResource(std::string_view group, std::string_view resource);
// schema.GroupKind.String(): "Ingress.networking.k8s.io", or "Service" for core.
std::string QualifiedKind(std::string_view group, std::string_view kind);
// The StatusCause reason (field.ErrorType) of a field error, read from the message's leading
// type text ("Invalid value: ..." -> "FieldValueInvalid"); unknown text counts as invalid.
std::string_view CauseType(const Error& error);

// 422 `<Kind.group> "<name>" is invalid: <field: body>` for one error (after dropping repeats),
// `... is invalid: [<e1>, <e2>]` for several, `... is invalid` for none; one cause per error.
ApiStatus Invalid(std::string_view group, std::string_view kind, std::string_view name,
                  const std::vector<Error>& errors);
inline ApiStatus Invalid(std::string_view group, std::string_view kind, std::string_view name,
                         const model::ErrorList& errors) {
  return Invalid(group, kind, name, errors.errors());
}

// 404 `ingresses.networking.k8s.io "web" not found`.
ApiStatus NotFound(std::string_view group, std::string_view resource, std::string_view name);
// 404 `the server could not find the requested resource` with `"details":{}`: what
// kube-apiserver answers for a path that names no resource it serves (apimachinery's
// NewGenericServerResponse for 404 with no resource and no name).
ApiStatus NotFoundPath();
// 409 AlreadyExists `ingresses.networking.k8s.io "web" already exists`.
ApiStatus AlreadyExists(std::string_view group, std::string_view resource, std::string_view name);

// The reason text of an update whose resourceVersion is stale (registry.OptimisticLockError).
inline constexpr std::string_view kOptimisticLockMessage =
    "the object has been modified; please apply your changes to the latest version and try "
    "again";
// 409 Conflict `Operation cannot be fulfilled on <resource> "<name>": <reason_text>`.
ApiStatus Conflict(std::string_view group, std::string_view resource, std::string_view name,
                   std::string_view reason_text);

// 400 BadRequest with `message` verbatim and no details.
ApiStatus BadRequest(std::string message);
// 400 for a body the decoder rejected, as the create/update handlers word it:
// `Ingress in version "v1" cannot be handled as a Ingress: <detail>`.
ApiStatus CannotBeHandled(std::string_view kind, std::string_view version,
                          std::string_view target_kind, std::string_view detail);

// 410 Gone (older servers) and 410 Expired (watch or continue token too old).
ApiStatus Gone(std::string message);
ApiStatus Expired(std::string message);

// 413 `Request entity too large: limit is 3145728`.
ApiStatus TooLarge(size_t limit_bytes);

// Media types the handlers accept, in the order kube lists them.
inline constexpr std::array<std::string_view, 3> kBodyMediaTypes = {
    "application/json", "application/yaml", "application/vnd.kubernetes.protobuf"};
inline constexpr std::array<std::string_view, 4> kPatchMediaTypes = {
    "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json", "application/apply-patch+yaml"};
// 415 `the body of the request was in an unknown format - accepted media types include: a, b`.
ApiStatus UnsupportedMediaType(std::span<const std::string_view> accepted);
// 406 `only the following media types are accepted: a, b`.
ApiStatus NotAcceptable(std::span<const std::string_view> accepted);

// 405 `<verb> is not supported on resources of kind "<resource.group>"`.
ApiStatus MethodNotSupported(std::string_view group, std::string_view resource,
                             std::string_view verb);

// 401, no details. The authentication filter sends message "Unauthorized".
ApiStatus Unauthorized(std::string_view message = "Unauthorized");

// What the authorizer refused (authorizer.Attributes) and why.
struct ForbiddenRequest {
  std::string user;
  std::string verb;               // get, list, create, ...
  std::string group;              // "" for core
  std::string resource;           // empty for a non-resource request (then `path` is used)
  std::string subresource;        // "status", "proxy", ...
  std::string namespace_;         // empty: cluster scope
  std::string name;               // object name, if the request named one
  std::string path;               // non-resource requests: "/healthz"
  std::string authorizer_reason;  // appended after ": " when set (e.g. RBAC's explanation)
};
// 403, worded as responsewriters.Forbidden: `ingresses.networking.k8s.io "web" is forbidden:
// User "bob" cannot get resource "ingresses" in API group "networking.k8s.io" in the
// namespace "default"`; `forbidden: User "bob" cannot get path "/x"` for non-resource paths.
ApiStatus Forbidden(const ForbiddenRequest& request);

// 500 `Internal error occurred: <text>`, with `text` as the only cause.
ApiStatus Internal(std::string_view text);

// The object a failed request was about, for translating errors from lower layers.
struct Target {
  std::string group;     // "" for core
  std::string kind;      // "Ingress" (Invalid names the kind)
  std::string resource;  // "ingresses" (the other errors name the resource)
  std::string name;
};
struct FromErrorOptions {
  bool invalid_is_bad_request = false;  // kInvalid -> 400 BadRequest (undecodable body)
  bool create = false;                  // kConflict -> AlreadyExists rather than Conflict
};
// kInvalid -> 422 Invalid (or 400), kNotFound -> 404, kConflict -> 409 AlreadyExists on create,
// else Conflict with kOptimisticLockMessage, kGone -> 410 Expired, kUnsupported -> 415,
// kIo/kInternal -> 500. Store messages ("key /registry/...") are not shown for 404/409.
ApiStatus FromError(const Error& error, const Target& target, FromErrorOptions options = {});

}  // namespace waygate::apistatus

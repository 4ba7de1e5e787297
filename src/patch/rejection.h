// How kube-apiserver answers a patch that fails, so the API layer can build the same Status.
#pragma once

#include <string>

#include "base/result.h"

namespace waygate::patch {

// kube-apiserver builds its 422 for a patch that cannot be applied with
// errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false), which drops the
// library's detail: the Status message is always this sentence and details are empty. kubectl
// prints it as "The request is invalid: the server rejected our request due to an error in our
// request".
inline constexpr const char* kPatchRejectedMessage =
    "the server rejected our request due to an error in our request";

// kube-apiserver's 415 for `application/strategic-merge-patch+json` on a custom resource.
inline constexpr const char* kStrategicMergeUnsupportedMessage =
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

struct PatchRejection {
  int http_status;
  std::string reason;  // metav1.StatusReason
  std::string message;
};

// kInvalid -> 400 BadRequest with the error's message (an undecodable patch document).
// kConflict -> 422 Invalid with kPatchRejectedMessage (the patch does not apply to the object).
// anything else -> 500 InternalError with the message.
PatchRejection RejectionFor(const Error& error);

}  // namespace waygate::patch

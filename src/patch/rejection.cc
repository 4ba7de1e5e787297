#include "patch/rejection.h"

namespace waygate::patch {

PatchRejection RejectionFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalid:
      return {400, "BadRequest", error.message};
    case ErrorCode::kConflict:
      return {422, "Invalid", kPatchRejectedMessage};
    default:
      return {500, "InternalError", error.message};
  }
}

}  // namespace waygate::patch

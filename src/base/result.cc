#include "base/result.h"

namespace waygate {

const char* ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return "Invalid";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kUnsupported:
      return "Unsupported";
    case ErrorCode::kIo:
      return "IO";
    case ErrorCode::kInternal:
      return "Internal";
    case ErrorCode::kGone:
      return "Gone";
  }
  return "Unknown";
}

std::string Error::ToString() const {
  if (field.empty()) return message;
  return field + ": " + message;
}

}  // namespace waygate

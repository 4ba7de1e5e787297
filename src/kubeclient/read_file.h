// Whole-file read shared by config loading and token rotation.
#pragma once

#include <string>

#include "base/result.h"

namespace waygate::kubeclient {

// kNotFound when the file does not exist, kIo otherwise; messages name the path. Files larger
// than `max_bytes` are an error (a kubeconfig or a token is never that big).
Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes = 16 << 20);

}  // namespace waygate::kubeclient

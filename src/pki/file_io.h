// The few file operations the data directory needs, with crash safety spelled out: a reader
// either sees the old file or the complete new one, never a prefix.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace waygate::pki {

// Whole file; ErrorCode::kNotFound when it does not exist, kIo for any other failure. Error
// messages name the path.
Result<std::string> ReadFile(const std::string& path);

bool FileExists(const std::string& path);

// Writes `data` to a temporary file beside `path` created with `mode` (so a secret is never
// readable by others, not even briefly), fsyncs it, renames it over `path` and fsyncs the
// directory so the rename itself survives a power loss.
Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode);

// mkdir -p; directories it creates get `mode`. Existing directories are left as they are.
Status EnsureDir(const std::string& path, mode_t mode);

}  // namespace waygate::pki

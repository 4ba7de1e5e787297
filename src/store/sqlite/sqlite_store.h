// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a write is
// acknowledged only after its WAL frame is fsync'ed (it survives kill -9 and power loss).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace waygate::store {

// Opens (creating file and schema if needed) the store at `path`, e.g. "DIR/store.db". The
// revision continues from where the file left it. kConflict if another process (or another
// open Store in this one) holds the file: a store has exactly one writer.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace waygate::store

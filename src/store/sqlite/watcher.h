// One watch on a SQLite store: a thread with its own read-only connection that pages through
// the history table. It sleeps on the store's condition variable and wakes on every commit,
// so events are read from durable history, never copied into a queue: a slow sink just falls
// behind (memory stays bounded by one page of events) until compaction overtakes it (kGone).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/sqlite/core.h"
#include "store/store.h"

namespace waygate::store::sqlite {

std::unique_ptr<Watch> StartWatcher(std::shared_ptr<Core> core, std::string prefix,
                                    int64_t after_revision, WatchCallbacks callbacks);

}  // namespace waygate::store::sqlite

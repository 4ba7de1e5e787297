#include "store/sqlite/watcher.h"

#include <atomic>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/sql.h"

namespace waygate::store::sqlite {
namespace {

// Events read per query: bounds a lagging watcher's memory and the time a read snapshot
// stays open.
constexpr int64_t kPageSize = 256;

struct WatcherState {
  std::shared_ptr<Core> core;
  std::string prefix;
  std::optional<std::string> prefix_end;
  WatchCallbacks callbacks;
  std::atomic<int64_t> delivered{0};
  std::atomic<bool> stop{false};
};

KeyValue ReadKv(const Query& q, int first_column, int64_t rev, std::string key) {
  KeyValue kv;
  kv.key = std::move(key);
  kv.value = q.Bytes(first_column);
  kv.create_revision = q.Int(first_column + 1);
  kv.mod_revision = rev;
  kv.version = q.Int(first_column + 2);
  return kv;
}

// Reads up to kPageSize events in (after, upto]. Fills `events`.
Status ReadPage(Db* db, const WatcherState& w, int64_t after, int64_t upto,
                std::vector<Event>* events) {
  auto q = db->Prepare(w.prefix_end ? sql::kEvents : sql::kEventsOpen);
  if (!q.ok()) return q.error();
  q->Bind(1, after).Bind(2, upto).Bind(3, std::string_view(w.prefix)).Bind(5, kPageSize);
  if (w.prefix_end) q->Bind(4, std::string_view(*w.prefix_end));
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return row.error();
    if (!*row) return OkStatus();
    Event ev;
    int64_t rev = q->Int(0);
    std::string key = q->Bytes(1);
    if (q->Int(2) != 0) {
      ev.type = EventType::kDelete;
      ev.kv.key = key;
      ev.kv.mod_revision = rev;
    } else {
      ev.type = EventType::kPut;
      ev.kv = ReadKv(*q, 3, rev, key);
    }
    if (!q->IsNull(6) && q->Int(7) == 0) ev.prev_kv = ReadKv(*q, 8, q->Int(6), std::move(key));
    events->push_back(std::move(ev));
  }
}

void Close(WatcherState& w, Error error) {
  if (w.stop.load()) return;
  if (w.callbacks.on_close) w.callbacks.on_close(error);
}

void Run(const std::shared_ptr<WatcherState>& state) {
  WatcherState& w = *state;
  Core& core = *w.core;
  auto db = Db::Open(core.path, /*read_only=*/true);
  if (!db.ok()) return Close(w, db.error());
  int64_t last = w.delivered.load();
  std::vector<Event> events;
  while (true) {
    int64_t target;
    {
      std::unique_lock lock(core.mu);
      core.cv.wait(lock, [&] { return w.stop.load() || core.closed || core.revision > last; });
      if (w.stop.load()) return;
      if (core.closed) {
        lock.unlock();
        return Close(w, MakeError(ErrorCode::kIo, "store closed"));
      }
      target = core.revision.load();
    }
    while (last < target) {
      events.clear();
      if (Status s = ReadPage(db->get(), w, last, target, &events); !s.ok()) {
        return Close(w, s.error());
      }
      // Checked after the read: compaction raises `compacted` before deleting rows, so if it
      // is still <= last + 1 here, the page just read was complete.
      if (core.compacted.load() > last + 1) {
        return Close(w, MakeError(ErrorCode::kGone, "watch fell behind compaction at revision " +
                                                        std::to_string(core.compacted.load())));
      }
      for (const Event& ev : events) {
        if (w.stop.load()) return;
        w.callbacks.on_event(ev);
        w.delivered.store(ev.kv.mod_revision);
      }
      last =
          static_cast<int64_t>(events.size()) < kPageSize ? target : events.back().kv.mod_revision;
      w.delivered.store(last);
    }
  }
}

class SqliteWatch final : public Watch {
 public:
  explicit SqliteWatch(std::shared_ptr<WatcherState> state)
      : state_(std::move(state)), thread_([s = state_] { Run(s); }) {}

  ~SqliteWatch() override {
    {
      std::lock_guard lock(state_->core->mu);
      state_->stop.store(true);
    }
    state_->core->cv.notify_all();
    // Destroyed from inside its own callback: the thread cannot join itself; it sees `stop`
    // when the callback returns and exits, keeping its state alive through its shared_ptr.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

  int64_t DeliveredRevision() const override { return state_->delivered.load(); }

 private:
  std::shared_ptr<WatcherState> state_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Watch> StartWatcher(std::shared_ptr<Core> core, std::string prefix,
                                    int64_t after_revision, WatchCallbacks callbacks) {
  auto state = std::make_shared<WatcherState>();
  state->core = std::move(core);
  state->prefix_end = PrefixEnd(prefix);
  state->prefix = std::move(prefix);
  state->callbacks = std::move(callbacks);
  state->delivered.store(after_revision);
  return std::make_unique<SqliteWatch>(std::move(state));
}

}  // namespace waygate::store::sqlite

#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "store/sqlite/core.h"
#include "store/sqlite/db.h"
#include "store/sqlite/sql.h"
#include "store/sqlite/watcher.h"

namespace waygate::store {
namespace sqlite {
namespace {

Result<int64_t> ReadMeta(Db* db, const char* name) {
  auto q = db->Prepare(sql::kGetMeta);
  if (!q.ok()) return q.error();
  q->BindText(1, name);
  auto row = q->Step();
  if (!row.ok()) return row.error();
  if (!*row) return MakeError(ErrorCode::kInternal, std::string("store meta row missing: ") + name);
  return q->Int(0);
}

Status WriteMeta(Db* db, const char* name, int64_t value) {
  auto q = db->Prepare(sql::kSetMeta);
  if (!q.ok()) return q.error();
  q->BindText(1, name).Bind(2, value);
  return q->Run();
}

KeyValue KvFromRow(const Query& q) {
  return KeyValue{q.Bytes(0), q.Bytes(1), q.Int(2), q.Int(3), q.Int(4)};
}

// The key's current row, if any.
Result<std::optional<KeyValue>> LoadKey(Db* db, std::string_view key) {
  auto q = db->Prepare(sql::kGetKey);
  if (!q.ok()) return q.error();
  q->Bind(1, key);
  auto row = q->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<KeyValue>();
  return std::optional<KeyValue>(KvFromRow(*q));
}

Status AppendHistory(Db* db, int64_t rev, std::string_view key, const KeyValue* put) {
  auto q = db->Prepare(sql::kAppendHistory);
  if (!q.ok()) return q.error();
  q->Bind(1, rev).Bind(2, key);
  if (put != nullptr) {
    q->Bind(3, int64_t{0}).Bind(4, std::string_view(put->value));
    q->Bind(5, put->create_revision).Bind(6, put->version);
  } else {
    q->Bind(3, int64_t{1}).BindNull(4).Bind(5, int64_t{0}).Bind(6, int64_t{0});
  }
  return q->Run();
}

Status CheckKey(std::string_view key) {
  if (key.empty()) return MakeError(ErrorCode::kInvalid, "empty key");
  return OkStatus();
}

Error Conflict(std::string_view key, int64_t expected, int64_t actual) {
  return MakeError(ErrorCode::kConflict, "key " + std::string(key) + " is at mod_revision " +
                                             std::to_string(actual) + ", expected " +
                                             std::to_string(expected));
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::shared_ptr<Core> core, std::unique_ptr<Db> writer, std::unique_ptr<Db> reader,
              int lock_fd)
      : core_(std::move(core)),
        writer_(std::move(writer)),
        reader_(std::move(reader)),
        lock_fd_(lock_fd) {}

  ~SqliteStore() override {
    {
      std::lock_guard lock(core_->mu);
      core_->closed = true;
    }
    core_->cv.notify_all();
    writer_.reset();
    reader_.reset();
    close(lock_fd_);  // releases the flock: the file may be opened again
  }

  Result<RangeResult> Get(std::string_view key) override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    std::lock_guard lock(read_mu_);
    auto txn = Transaction::Begin(reader_.get(), /*immediate=*/false);
    if (!txn.ok()) return txn.error();
    RangeResult result;
    auto rev = ReadMeta(reader_.get(), "revision");
    if (!rev.ok()) return rev.error();
    result.revision = *rev;
    auto kv = LoadKey(reader_.get(), key);
    if (!kv.ok()) return kv.error();
    if (kv->has_value()) result.kvs.push_back(std::move(**kv));
    result.count = static_cast<int64_t>(result.kvs.size());
    return result;
  }

  Result<RangeResult> Range(std::string_view prefix, std::string_view start_after, int64_t limit,
                            int64_t revision) override {
    if (limit < 0 || revision < 0) {
      return MakeError(ErrorCode::kInvalid, "negative limit or revision");
    }
    std::optional<std::string> end = PrefixEnd(prefix);
    std::lock_guard lock(read_mu_);
    Db* db = reader_.get();
    // One read transaction: rows, count and revision come from the same snapshot.
    auto txn = Transaction::Begin(db, /*immediate=*/false);
    if (!txn.ok()) return txn.error();
    auto head = ReadMeta(db, "revision");
    if (!head.ok()) return head.error();
    auto compacted = ReadMeta(db, "compacted");
    if (!compacted.ok()) return compacted.error();
    if (revision > *head) {
      return MakeError(ErrorCode::kInvalid, "revision " + std::to_string(revision) +
                                                " is in the future (head " + std::to_string(*head) +
                                                ")");
    }
    if (revision != 0 && revision < *compacted) {
      return MakeError(ErrorCode::kGone, "revision " + std::to_string(revision) +
                                             " is compacted (oldest " + std::to_string(*compacted) +
                                             ")");
    }
    bool at_head = revision == 0 || revision == *head;
    RangeResult result;
    result.revision = at_head ? *head : revision;
    auto bind = [&](Query& q) {
      q.Bind(1, prefix).Bind(2, start_after).Bind(3, limit == 0 ? int64_t{-1} : limit);
      if (end) q.Bind(4, std::string_view(*end));
      if (!at_head) q.Bind(5, revision);
    };
    {
      auto q = db->Prepare(at_head ? (end ? sql::kHeadRange : sql::kHeadRangeOpen)
                                   : (end ? sql::kPastRange : sql::kPastRangeOpen));
      if (!q.ok()) return q.error();
      bind(*q);
      while (true) {
        auto row = q->Step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        result.kvs.push_back(KvFromRow(*q));
      }
    }
    {
      auto q = db->Prepare(at_head ? (end ? sql::kHeadCount : sql::kHeadCountOpen)
                                   : (end ? sql::kPastCount : sql::kPastCountOpen));
      if (!q.ok()) return q.error();
      bind(*q);
      auto row = q->Step();
      if (!row.ok()) return row.error();
      result.count = *row ? q->Int(0) : 0;
    }
    result.more = result.count > static_cast<int64_t>(result.kvs.size());
    return result;
  }

  Result<KeyValue> Create(std::string_view key, std::string_view value) override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    return Write(
        key, [&](Db* db, int64_t rev, const std::optional<KeyValue>& current) -> Result<KeyValue> {
          if (current) {
            return MakeError(ErrorCode::kConflict, "key " + std::string(key) + " already exists");
          }
          KeyValue kv{std::string(key), std::string(value), rev, rev, 1};
          auto q = db->Prepare(sql::kInsertKey);
          if (!q.ok()) return q.error();
          q->Bind(1, key).Bind(2, value).Bind(3, rev).Bind(4, rev).Bind(5, int64_t{1});
          if (Status s = q->Run(); !s.ok()) return s.error();
          if (Status s = AppendHistory(db, rev, key, &kv); !s.ok()) return s.error();
          return kv;
        });
  }

  Result<KeyValue> Update(std::string_view key, std::string_view value,
                          int64_t expected_mod_revision) override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    return Write(
        key, [&](Db* db, int64_t rev, const std::optional<KeyValue>& current) -> Result<KeyValue> {
          if (!current) return MakeError(ErrorCode::kNotFound, "key " + std::string(key));
          if (expected_mod_revision != 0 && current->mod_revision != expected_mod_revision) {
            return Conflict(key, expected_mod_revision, current->mod_revision);
          }
          KeyValue kv{std::string(key), std::string(value), current->create_revision, rev,
                      current->version + 1};
          auto q = db->Prepare(sql::kUpdateKey);
          if (!q.ok()) return q.error();
          q->Bind(1, key).Bind(2, value).Bind(3, rev).Bind(4, kv.version);
          if (Status s = q->Run(); !s.ok()) return s.error();
          if (Status s = AppendHistory(db, rev, key, &kv); !s.ok()) return s.error();
          return kv;
        });
  }

  Result<Event> Delete(std::string_view key, int64_t expected_mod_revision) override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    Event event;
    auto kv = Write(
        key, [&](Db* db, int64_t rev, const std::optional<KeyValue>& current) -> Result<KeyValue> {
          if (!current) return MakeError(ErrorCode::kNotFound, "key " + std::string(key));
          if (expected_mod_revision != 0 && current->mod_revision != expected_mod_revision) {
            return Conflict(key, expected_mod_revision, current->mod_revision);
          }
          auto q = db->Prepare(sql::kDeleteKey);
          if (!q.ok()) return q.error();
          q->Bind(1, key);
          if (Status s = q->Run(); !s.ok()) return s.error();
          if (Status s = AppendHistory(db, rev, key, nullptr); !s.ok()) return s.error();
          event.prev_kv = *current;
          return KeyValue{std::string(key), {}, 0, rev, 0};
        });
    if (!kv.ok()) return kv.error();
    event.type = EventType::kDelete;
    event.kv = std::move(*kv);
    return event;
  }

  int64_t CurrentRevision() override { return core_->revision.load(); }
  int64_t CompactedRevision() override { return core_->compacted.load(); }

  Result<std::unique_ptr<Watch>> WatchPrefix(std::string_view prefix, int64_t after_revision,
                                             WatchCallbacks callbacks) override {
    if (after_revision < 0) return MakeError(ErrorCode::kInvalid, "negative revision");
    if (!callbacks.on_event) return MakeError(ErrorCode::kInvalid, "watch without on_event");
    if (after_revision == 0) after_revision = core_->revision.load();
    int64_t compacted = core_->compacted.load();
    if (after_revision + 1 < compacted) {
      return MakeError(ErrorCode::kGone, "revision " + std::to_string(after_revision + 1) +
                                             " is compacted (oldest " + std::to_string(compacted) +
                                             ")");
    }
    // A compaction racing with this start is caught by the watcher itself (kGone on_close).
    return StartWatcher(core_, std::string(prefix), after_revision, std::move(callbacks));
  }

  Status Compact(int64_t revision) override {
    std::lock_guard lock(write_mu_);
    int64_t head = core_->revision.load();
    if (revision > head) {
      return MakeError(ErrorCode::kInvalid,
                       "cannot compact to future revision " + std::to_string(revision));
    }
    if (revision <= core_->compacted.load()) return OkStatus();
    // Raised first: a watcher that read a page while rows were being deleted must notice.
    core_->compacted.store(revision);
    auto txn = Transaction::Begin(writer_.get(), /*immediate=*/true);
    if (!txn.ok()) return txn.error();
    auto q = writer_->Prepare(sql::kCompact);
    if (!q.ok()) return q.error();
    q->Bind(1, revision);
    if (Status s = q->Run(); !s.ok()) return s;
    if (Status s = WriteMeta(writer_.get(), "compacted", revision); !s.ok()) return s;
    return txn->Commit();
  }

 private:
  // One write transaction at the next revision: `apply` checks the compare and writes kv and
  // history; the head revision is stored and watchers are woken only after the commit (an
  // fsync of the WAL) succeeded.
  template <class Apply>
  Result<KeyValue> Write(std::string_view key, Apply apply) {
    std::lock_guard lock(write_mu_);
    Db* db = writer_.get();
    auto txn = Transaction::Begin(db, /*immediate=*/true);
    if (!txn.ok()) return txn.error();
    auto current = LoadKey(db, key);
    if (!current.ok()) return current.error();
    int64_t rev = core_->revision.load() + 1;
    Result<KeyValue> kv = apply(db, rev, *current);
    if (!kv.ok()) return kv;  // the transaction rolls back
    if (Status s = WriteMeta(db, "revision", rev); !s.ok()) return s.error();
    if (Status s = txn->Commit(); !s.ok()) return s.error();
    {
      std::lock_guard core_lock(core_->mu);
      core_->revision.store(rev);
    }
    core_->cv.notify_all();
    return kv;
  }

  std::shared_ptr<Core> core_;
  std::mutex write_mu_;  // one writer: revisions are assigned in commit order
  std::unique_ptr<Db> writer_;
  std::mutex read_mu_;
  std::unique_ptr<Db> reader_;
  int lock_fd_;
};

Status Configure(Db* db) {
  // FULL: the WAL is fsync'ed at every commit, so an acknowledged write is on disk.
  if (Status s = db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s.ok()) return s;
  return db->Exec(sql::kSchema);
}

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  using sqlite::Db;
  std::string lock_path = path + ".lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "open " + lock_path + ": " + std::strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return MakeError(ErrorCode::kConflict, "store " + path + " is open in another process");
    }
    return MakeError(ErrorCode::kIo, "flock " + lock_path + ": " + std::strerror(err));
  }
  auto fail = [fd](Error error) -> Result<std::unique_ptr<Store>> {
    close(fd);
    return error;
  };
  auto writer = Db::Open(path, /*read_only=*/false);
  if (!writer.ok()) return fail(writer.error());
  if (Status s = sqlite::Configure(writer->get()); !s.ok()) return fail(s.error());
  auto reader = Db::Open(path, /*read_only=*/true);
  if (!reader.ok()) return fail(reader.error());
  auto core = std::make_shared<sqlite::Core>();
  core->path = path;
  auto revision = sqlite::ReadMeta(writer->get(), "revision");
  if (!revision.ok()) return fail(revision.error());
  auto compacted = sqlite::ReadMeta(writer->get(), "compacted");
  if (!compacted.ok()) return fail(compacted.error());
  core->revision.store(*revision);
  core->compacted.store(*compacted);
  return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(
      std::move(core), std::move(*writer), std::move(*reader), fd));
}

}  // namespace waygate::store

#include "store/sqlite/db.h"

#include <sqlite3.h>

namespace waygate::store::sqlite {

Query::~Query() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Query& Query::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Query& Query::Bind(int index, std::string_view bytes) {
  // A zero-length BLOB must not be bound from a null pointer: SQLite would store NULL.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Query& Query::BindText(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Query& Query::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Query::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  return MakeError(ErrorCode::kIo, std::string("sqlite: ") + sqlite3_errmsg(db));
}

Status Query::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.error();
    if (!*row) return OkStatus();
  }
}

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::Bytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

bool Query::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool read_only) {
  sqlite3* handle = nullptr;
  // NOMUTEX: each connection is confined to one thread at a time by its owner.
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "sqlite: cannot open " + path + ": " +
                          (handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc));
    sqlite3_close_v2(handle);
    return MakeError(ErrorCode::kIo, message);
  }
  // Readers may meet a writer's checkpoint lock for a moment; wait instead of failing.
  sqlite3_busy_timeout(handle, 5000);
  return std::unique_ptr<Db>(new Db(handle));
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error = MakeError(ErrorCode::kIo,
                            std::string("sqlite: ") + (message ? message : "?") + " in: " + sql);
    sqlite3_free(message);
    return error;
  }
  return OkStatus();
}

Result<Query> Db::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return LastError(std::string("prepare: ") + sql);
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return Query(it->second);
}

Error Db::LastError(std::string_view what) const {
  return MakeError(ErrorCode::kIo,
                   "sqlite: " + std::string(what) + ": " + std::string(sqlite3_errmsg(db_)));
}

Result<Transaction> Transaction::Begin(Db* db, bool immediate) {
  auto begin = db->Prepare(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!begin.ok()) return begin.error();
  if (auto s = begin->Run(); !s.ok()) return s.error();
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  // Rolling back a transaction that failed half way; nothing useful to do if this fails too.
  auto rollback = db_->Prepare("ROLLBACK");
  if (rollback.ok()) (void)rollback->Run();
}

Status Transaction::Commit() {
  auto commit = db_->Prepare("COMMIT");
  if (!commit.ok()) return commit.error();
  Status s = commit->Run();
  if (s.ok()) db_ = nullptr;  // on failure the destructor rolls back
  return s;
}

}  // namespace waygate::store::sqlite

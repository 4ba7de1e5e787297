// A thin RAII layer over one sqlite3 connection: prepared statements cached per connection,
// a Query that always resets its statement (a statement left stepping keeps its read snapshot
// open, which would hide later commits and block WAL checkpoints), and a Transaction that
// rolls back unless committed. One connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace waygate::store::sqlite {

class Query {
 public:
  explicit Query(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Query(Query&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;
  ~Query();

  Query& Bind(int index, int64_t value);
  Query& Bind(int index, std::string_view bytes);  // bound as a BLOB (bytewise ordering)
  Query& BindText(int index, std::string_view text);
  Query& BindNull(int index);

  // true: a row is ready; false: done. Errors end up in the Error.
  Result<bool> Step();
  Status Run();  // steps to completion, ignoring rows

  int64_t Int(int column) const;
  std::string Bytes(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status Exec(const char* sql);  // for pragmas and DDL
  // `sql` must be a string literal: its address keys the statement cache.
  Result<Query> Prepare(const char* sql);
  Error LastError(std::string_view what) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE (writers) or BEGIN (readers: one consistent snapshot across statements).
class Transaction {
 public:
  static Result<Transaction> Begin(Db* db, bool immediate);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

}  // namespace waygate::store::sqlite

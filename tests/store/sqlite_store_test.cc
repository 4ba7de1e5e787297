// Runs the Store conformance suite against the embedded SQLite store, plus what only the
// SQLite store promises (one process per data file).
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "conformance.h"

namespace waygate::store::testing {
namespace {

Result<std::unique_ptr<Store>> OpenInDir(const std::string& dir) {
  return OpenSqliteStore(dir + "/store.db");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"sqlite", OpenInDir}),
                         [](const auto& info) { return info.param.name; });

TEST(SqliteStoreTest, SecondOpenOfTheSameFileIsRefusedUntilTheFirstCloses) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "waygate-store-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  {
    auto first = OpenInDir(tmpl);
    ASSERT_TRUE(first.ok()) << first.error().ToString();
    auto second = OpenInDir(tmpl);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  }
  {
    auto again = OpenInDir(tmpl);
    EXPECT_TRUE(again.ok());
  }
  std::filesystem::remove_all(tmpl);
}

// The file is in WAL mode (persistent, so visible from another connection). synchronous=FULL
// is per connection and cannot be observed from outside; `strace -e fdatasync` on the
// throughput test shows one sync per write.
TEST(SqliteStoreTest, FileIsInWalMode) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "waygate-store-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  {
    auto store = OpenInDir(tmpl);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((tmpl + "/store.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  std::filesystem::remove_all(tmpl);
}

TEST(SqliteStoreTest, PrefixEndIncrementsTheLastByteBelow0xff) {
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixEnd("a\xff"), "b");
  EXPECT_EQ(PrefixEnd("\xff\xff"), std::nullopt);
  EXPECT_EQ(PrefixEnd(""), std::nullopt);
}

}  // namespace
}  // namespace waygate::store::testing

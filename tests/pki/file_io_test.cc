#include "pki/file_io.h"

#include <gtest/gtest.h>

#include "pki/temp_dir.h"

namespace waygate::pki {
namespace {

using testing::Mode;
using testing::Snapshot;
using testing::TempDir;

TEST(FileIoTest, WriteAtomicReplacesWithModeAndLeavesNoTemporary) {
  TempDir tmp;
  std::string path = tmp.path() + "/secret";
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0600).ok());
  EXPECT_EQ(Mode(path), 0600);
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0644).ok());
  EXPECT_EQ(Mode(path), 0644);
  auto r = ReadFile(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "two");
  EXPECT_EQ(Snapshot(tmp.path()).size(), 1u);
}

TEST(FileIoTest, WriteIntoMissingDirectoryFailsNamingIt) {
  TempDir tmp;
  Status s = WriteFileAtomic(tmp.path() + "/nope/file", "x", 0600);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_NE(s.error().message.find("/nope/file"), std::string::npos);
}

TEST(FileIoTest, ReadMissingIsNotFound) {
  TempDir tmp;
  auto r = ReadFile(tmp.path() + "/absent");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("absent"), std::string::npos);
}

TEST(FileIoTest, EnsureDirCreatesParentsAndRejectsAFile) {
  TempDir tmp;
  ASSERT_TRUE(EnsureDir(tmp.path() + "/x/y/z/", 0700).ok());
  EXPECT_EQ(Mode(tmp.path() + "/x/y/z"), 0700);
  ASSERT_TRUE(EnsureDir(tmp.path() + "/x/y", 0700).ok());  // exists: fine
  ASSERT_TRUE(WriteFileAtomic(tmp.path() + "/f", "", 0600).ok());
  EXPECT_FALSE(EnsureDir(tmp.path() + "/f", 0700).ok());
}

}  // namespace
}  // namespace waygate::pki

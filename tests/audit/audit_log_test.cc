#include "audit/audit_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace waygate::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TempDir {
 public:
  TempDir() {
    std::string base = fs::temp_directory_path().string() + "/waygate-audit-XXXXXX";
    path_ = mkdtemp(base.data()) ? base : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The lines of a file that must end with a newline (a torn last line fails the caller).
std::vector<std::string> Lines(const std::string& path) {
  std::string data = Slurp(path);
  EXPECT_TRUE(data.empty() || data.back() == '\n') << path << " ends mid-line";
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(data.substr(start, nl - start));
  }
  return out;
}

int Mode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

std::unique_ptr<AuditLog> MustOpen(const std::string& dir, uint64_t max_bytes = 1 << 20,
                                   int keep = 5) {
  auto log = AuditLog::Open({.dir = dir, .max_bytes = max_bytes, .keep = keep});
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().ToString());
  return log.ok() ? std::move(log).value() : nullptr;
}

Event Sample() {
  Event e;
  e.user = "project-regular";
  e.verb = "create";
  e.api_group = "networking.k8s.io";
  e.resource = "ingresses";
  e.subresource = "status";
  e.namespace_ = "demo";
  e.name = "web";
  e.code = 201;
  e.result = "allowed";
  e.source_ip = "10.0.0.7";
  return e;
}

Event Numbered(int n) {
  Event e = Sample();
  e.name = "route-" + std::to_string(n);
  return e;
}

// Milliseconds since the epoch from "2026-11-28T10:20:04.123Z".
int64_t ParseMillis(const std::string& text) {
  struct tm tm = {};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr || rest[0] != '.') return -1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + std::stoi(std::string(rest + 1, 3));
}

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

TEST(AuditLogTest, LineIsJsonWithEveryFieldInOrder) {
  TempDir dir;
  auto log = MustOpen(dir.path());
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->path(), dir.path() + "/audit.log");
  int64_t before = NowMillis();
  ASSERT_TRUE(log->Append(Sample()).ok());
  int64_t after = NowMillis();

  std::vector<std::string> lines = Lines(log->path());
  ASSERT_EQ(lines.size(), 1u);
  json line = json::parse(lines[0]);
  EXPECT_EQ(line["user"], "project-regular");
  EXPECT_EQ(line["verb"], "create");
  EXPECT_EQ(line["apiGroup"], "networking.k8s.io");
  EXPECT_EQ(line["resource"], "ingresses");
  EXPECT_EQ(line["subresource"], "status");
  EXPECT_EQ(line["namespace"], "demo");
  EXPECT_EQ(line["name"], "web");
  ASSERT_TRUE(line["code"].is_number_integer());
  EXPECT_EQ(line["code"], 201);
  EXPECT_EQ(line["result"], "allowed");
  EXPECT_EQ(line["sourceIP"], "10.0.0.7");
  EXPECT_EQ(line.size(), 11u);
  EXPECT_EQ(lines[0].rfind("{\"time\":", 0), 0u) << "fields keep the documented order";

  std::string time = line["time"];
  EXPECT_TRUE(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << time;
  int64_t at = ParseMillis(time);
  EXPECT_GE(at, before);
  EXPECT_LE(at, after);
}

TEST(AuditLogTest, EmptyFieldsStayAsEmptyStrings) {
  TempDir dir;
  auto log = MustOpen(dir.path());
  ASSERT_NE(log, nullptr);
  Event e;
  e.user = "admin";
  e.verb = "delete";
  e.resource = "namespaces";
  e.name = "demo";
  e.code = 200;
  e.result = "allowed";
  ASSERT_TRUE(log->Append(e).ok());
  json line = json::parse(Lines(log->path()).at(0));
  EXPECT_EQ(line["apiGroup"], "");
  EXPECT_EQ(line["subresource"], "");
  EXPECT_EQ(line["namespace"], "");
  EXPECT_EQ(line["sourceIP"], "");
  EXPECT_EQ(line.size(), 11u);
}

TEST(AuditLogTest, HostileStringsAreEscapedAndStayOnOneLine) {
  TempDir dir;
  auto log = MustOpen(dir.path());
  ASSERT_NE(log, nullptr);
  Event e = Sample();
  e.user = "eve\"},{\"user\":\"admin";
  e.name = "line1\nline2\r\n\t\\end";
  e.namespace_ = "проект-日本-é";
  e.source_ip = std::string("bad\xff\xfeutf8\x01\0z", 12);
  ASSERT_TRUE(log->Append(e).ok());
  ASSERT_TRUE(log->Append(Sample()).ok());

  std::vector<std::string> lines = Lines(log->path());
  ASSERT_EQ(lines.size(), 2u);
  json first = json::parse(lines[0]);
  EXPECT_EQ(first["user"], e.user);
  EXPECT_EQ(first["name"], e.name);
  EXPECT_EQ(first["namespace"], e.namespace_);
  // Invalid bytes are replaced rather than thrown on; control bytes, NUL too, are escaped.
  EXPECT_EQ(first["sourceIP"], std::string("bad\uFFFD\uFFFDutf8\x01\0z", 16));
  EXPECT_NE(lines[0].find("\\u0000"), std::string::npos);
  EXPECT_EQ(lines[0].find('\r'), std::string::npos);
  EXPECT_EQ(lines[0].find('\t'), std::string::npos);
  EXPECT_EQ(json::parse(lines[1])["user"], "project-regular");
}

TEST(AuditLogTest, ConcurrentAppendsNeverInterleave) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 64 << 20);  // no rotation: every line stays in one file
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Event e = Sample();
        e.user = "user-" + std::to_string(t);
        // Uneven lengths so that torn writes would show as broken JSON.
        e.name = std::string(static_cast<size_t>(1 + (i * 37 + t) % 300), 'x') + std::to_string(i);
        if (!log->Append(e).ok()) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;

  std::vector<std::string> lines = Lines(log->path());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::map<std::string, std::set<std::string>> seen;
  for (const std::string& text : lines) {
    json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(line.is_discarded()) << text;
    seen[line["user"]].insert(line["name"].get<std::string>());
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads));
  for (const auto& [user, names] : seen) EXPECT_EQ(names.size(), size_t{kPerThread}) << user;
}

TEST(AuditLogTest, RotatesBySizeKeepingTheNewestFiles) {
  TempDir dir;
  constexpr uint64_t kMax = 1000;
  constexpr int kKeep = 3;
  auto log = MustOpen(dir.path(), kMax, kKeep);
  ASSERT_NE(log, nullptr);
  constexpr int kEvents = 100;  // ~200-byte lines: far more than 4 files hold
  for (int i = 0; i < kEvents; ++i) ASSERT_TRUE(log->Append(Numbered(i)).ok()) << i;

  const std::string base = log->path();
  EXPECT_FALSE(fs::exists(base + "." + std::to_string(kKeep + 1))) << "oldest file dropped";
  // Oldest first: audit.log.3, .2, .1, audit.log.
  std::vector<std::string> files;
  for (int i = kKeep; i >= 1; --i) files.push_back(base + "." + std::to_string(i));
  files.push_back(base);
  std::vector<int> numbers;
  for (const std::string& file : files) {
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_LE(fs::file_size(file), kMax) << file;
    EXPECT_EQ(Mode(file), 0600) << file;
    std::vector<std::string> lines = Lines(file);
    EXPECT_FALSE(lines.empty()) << file;
    for (const std::string& text : lines) {
      std::string name = json::parse(text)["name"];
      numbers.push_back(std::stoi(name.substr(name.find('-') + 1)));
    }
  }
  // What is left is one unbroken run ending with the last event; the start was dropped.
  ASSERT_FALSE(numbers.empty());
  EXPECT_EQ(numbers.back(), kEvents - 1);
  EXPECT_GT(numbers.front(), 0);
  for (size_t i = 1; i < numbers.size(); ++i) ASSERT_EQ(numbers[i], numbers[i - 1] + 1);
  // Each rotated file was full: the next line would not have fit.
  uint64_t line_size = fs::file_size(base) / Lines(base).size();
  for (int i = 1; i <= kKeep; ++i) {
    EXPECT_GT(fs::file_size(base + "." + std::to_string(i)) + line_size, kMax);
  }
}

TEST(AuditLogTest, ConcurrentAppendsAcrossRotationsLoseNothing) {
  TempDir dir;
  constexpr uint64_t kMax = 32 << 10;
  constexpr int kKeep = 200;  // enough that nothing is dropped
  auto log = MustOpen(dir.path(), kMax, kKeep);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Event e = Numbered(t * kPerThread + i);
        EXPECT_TRUE(log->Append(e).ok());
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<std::string> names;
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++files;
    EXPECT_LE(entry.file_size(), kMax) << entry.path();
    for (const std::string& text : Lines(entry.path().string())) {
      json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
      ASSERT_FALSE(line.is_discarded()) << text;
      names.insert(line["name"].get<std::string>());
    }
  }
  EXPECT_GT(files, 2u) << "the test must actually rotate";
  EXPECT_LT(files, static_cast<size_t>(kKeep) + 1) << "keep must not have been reached";
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(AuditLogTest, KeepZeroStartsAFreshFile) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 500, 0);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(Numbered(i)).ok());
  EXPECT_FALSE(fs::exists(log->path() + ".1"));
  std::vector<std::string> lines = Lines(log->path());
  ASSERT_FALSE(lines.empty());
  EXPECT_LT(lines.size(), 10u);
  EXPECT_EQ(json::parse(lines.back())["name"], "route-9");
}

TEST(AuditLogTest, ALineLargerThanTheLimitIsStillWrittenOnce) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 64, 2);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Numbered(1)).ok());  // alone in a fresh file: no rotation
  EXPECT_EQ(Lines(log->path()).size(), 1u);
  EXPECT_FALSE(fs::exists(log->path() + ".1"));
  ASSERT_TRUE(log->Append(Numbered(2)).ok());  // rotates the first one away
  EXPECT_EQ(Lines(log->path()).size(), 1u);
  EXPECT_EQ(json::parse(Lines(log->path() + ".1").at(0))["name"], "route-1");
}

TEST(AuditLogTest, ReopeningAppendsAndCountsTheExistingSize) {
  TempDir dir;
  {
    auto log = MustOpen(dir.path());
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Append(Numbered(1)).ok());
    ASSERT_TRUE(log->Append(Numbered(2)).ok());
  }
  const std::string path = dir.path() + "/audit.log";
  uint64_t existing = fs::file_size(path);
  {
    auto log = MustOpen(dir.path());
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Append(Numbered(3)).ok());
  }
  std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(json::parse(lines[0])["name"], "route-1");
  EXPECT_EQ(json::parse(lines[2])["name"], "route-3");

  // The size on disk counts towards the limit: with room for less than one more line, the
  // first append after reopening rotates.
  uint64_t three = fs::file_size(path);
  auto log = MustOpen(dir.path(), three + existing / 4, 2);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Numbered(4)).ok());
  EXPECT_EQ(Lines(path + ".1").size(), 3u);
  ASSERT_EQ(Lines(path).size(), 1u);
  EXPECT_EQ(json::parse(Lines(path)[0])["name"], "route-4");
}

TEST(AuditLogTest, FilesAreOwnerOnly) {
  TempDir dir;
  const std::string path = dir.path() + "/audit.log";
  {
    auto log = MustOpen(dir.path());
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(Mode(path), 0600);
  }
  // A file left readable by an older run or an operator is tightened on open.
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto log = MustOpen(dir.path());
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Mode(path), 0600);
}

TEST(AuditLogTest, RefusesAMissingDirectoryAndBadOptions) {
  TempDir dir;
  auto missing = AuditLog::Open({.dir = dir.path() + "/nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir.path() + "/nope")) << "the directory is not created";

  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  auto not_dir = AuditLog::Open({.dir = file});
  ASSERT_FALSE(not_dir.ok());
  EXPECT_EQ(not_dir.error().code, ErrorCode::kInvalid);

  auto zero = AuditLog::Open({.dir = dir.path(), .max_bytes = 0});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalid);
  auto negative = AuditLog::Open({.dir = dir.path(), .keep = -1});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(fs::exists(dir.path() + "/audit.log")) << "refused options create nothing";
}

TEST(AuditLogTest, AFailedRotationStillRecordsTheEvent) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 300, 1);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Numbered(1)).ok());
  // A non-empty directory where audit.log.1 goes makes rename(2) fail.
  const std::string blocker = log->path() + ".1";
  fs::create_directories(blocker + "/x");

  Status status = log->Append(Numbered(2));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kIo);
  std::vector<std::string> lines = Lines(log->path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[1])["name"], "route-2");

  fs::remove_all(blocker);
  ASSERT_TRUE(log->Append(Numbered(3)).ok());
  EXPECT_EQ(Lines(log->path() + ".1").size(), 2u);
  ASSERT_EQ(Lines(log->path()).size(), 1u);
  EXPECT_EQ(json::parse(Lines(log->path())[0])["name"], "route-3");
}

// RLIMIT_FSIZE stands in for a full disk: write(2) stops short at the limit, then fails.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    struct rlimit lower = old_;
    lower.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lower) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  struct rlimit old_;
  sighandler_t old_handler_;
  bool ok_ = false;
};

TEST(AuditLogTest, AFailedWriteLeavesNoPartialLine) {
  TempDir dir;
  auto log = MustOpen(dir.path());
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Numbered(1)).ok());
  uint64_t one = fs::file_size(log->path());
  {
    FileSizeLimit limit(one + 40);  // room for a fragment of the next line only
    ASSERT_TRUE(limit.ok());
    Status status = log->Append(Numbered(2));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kIo);
  }
  EXPECT_EQ(fs::file_size(log->path()), one);
  ASSERT_TRUE(log->Append(Numbered(3)).ok());
  std::vector<std::string> lines = Lines(log->path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0])["name"], "route-1");
  EXPECT_EQ(json::parse(lines[1])["name"], "route-3");
}

}  // namespace
}  // namespace waygate::audit

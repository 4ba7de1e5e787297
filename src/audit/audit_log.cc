#include "audit/audit_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

namespace waygate::audit {
namespace {

constexpr mode_t kFileMode = 0600;  // lines name users and source addresses

Error IoError(std::string what, int err) {
  return MakeError(ErrorCode::kIo, "audit: " + what + ": " + std::strerror(err));
}

std::string FormatTime(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(now);
  const time_t secs = system_clock::to_time_t(time_point_cast<seconds>(ms));
  int millis = static_cast<int>((ms.time_since_epoch() % seconds(1)).count());
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + millis / 100));
  out.push_back(static_cast<char>('0' + millis / 10 % 10));
  out.push_back(static_cast<char>('0' + millis % 10));
  out.push_back('Z');
  return out;
}

// Everything but the time, as `{"user":...}` without its newline. Every key is always present
// (empty string when unknown) so that readers such as jq or a log shipper see one fixed schema;
// ordered_json keeps the header's field order for humans.
std::string FormatFields(const Event& e) {
  nlohmann::ordered_json line;
  line["user"] = e.user;
  line["verb"] = e.verb;
  line["apiGroup"] = e.api_group;
  line["resource"] = e.resource;
  line["subresource"] = e.subresource;
  line["namespace"] = e.namespace_;
  line["name"] = e.name;
  line["code"] = e.code;
  line["result"] = e.result;
  line["sourceIP"] = e.source_ip;
  // replace: invalid UTF-8 (a user name is client input) becomes U+FFFD instead of an
  // exception; control characters, newlines included, are escaped, so a line stays one line.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The time is read under the lock so that the file is in time order; it needs no escaping.
std::string FormatLine(std::chrono::system_clock::time_point now, std::string_view fields) {
  std::string out = "{\"time\":\"" + FormatTime(now) + "\",";
  out.append(fields.substr(1));  // drop the fields' own '{'
  out.push_back('\n');
  return out;
}

Result<int> OpenFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, kFileMode);
  if (fd < 0) return IoError("open " + path, errno);
  // O_CREAT's mode only applies to a new file; an older audit.log left readable is tightened.
  if (::fchmod(fd, kFileMode) != 0) {
    int err = errno;
    ::close(fd);
    return IoError("chmod " + path, err);
  }
  return fd;
}

// One write(2) for the whole line; the loop only runs again after a signal or a short write
// (a nearly full disk), never to split a line on purpose.
Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("write", errno);
    }
    if (n == 0) return IoError("write", EIO);
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

// audit.log -> .1 -> ... -> .<keep>, the oldest overwritten. Renames happen while `fd` is still
// open (it follows its inode), then the new file replaces it. A failed rename keeps the current
// file: the event is still recorded, only over size.
Status Rotate(const std::string& base, int keep, int& fd, uint64_t& size) {
  for (int i = keep - 1; i >= 1; --i) {
    std::string from = base + "." + std::to_string(i);
    std::string to = base + "." + std::to_string(i + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return IoError("rotate " + from, errno);
    }
  }
  if (keep == 0) {
    if (::unlink(base.c_str()) != 0 && errno != ENOENT) return IoError("rotate " + base, errno);
  } else {
    std::string first = base + ".1";
    if (::rename(base.c_str(), first.c_str()) != 0) return IoError("rotate " + base, errno);
  }
  ::close(fd);
  fd = -1;
  size = 0;
  Result<int> fresh = OpenFile(base);
  if (!fresh.ok()) return fresh.error();
  fd = *fresh;
  return OkStatus();
}

}  // namespace

AuditLog::AuditLog(Options options) : options_(std::move(options)) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::string AuditLog::path() const { return options_.dir + "/audit.log"; }

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Options options) {
  if (options.dir.empty()) return MakeError(ErrorCode::kInvalid, "audit: empty directory");
  if (options.max_bytes == 0) return MakeError(ErrorCode::kInvalid, "audit: max_bytes is 0");
  if (options.keep < 0) return MakeError(ErrorCode::kInvalid, "audit: keep is negative");
  struct stat st;
  if (::stat(options.dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return MakeError(ErrorCode::kNotFound, "audit: directory " + options.dir + " does not exist");
    }
    return IoError("stat " + options.dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalid, "audit: " + options.dir + " is not a directory");
  }
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options)));
  Result<int> fd = OpenFile(log->path());
  if (!fd.ok()) return fd.error();
  log->fd_ = *fd;
  if (::fstat(log->fd_, &st) != 0) return IoError("fstat " + log->path(), errno);
  log->size_ = static_cast<uint64_t>(st.st_size);
  return log;
}

Status AuditLog::Append(const Event& event) {
  const std::string fields = FormatFields(event);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string line = FormatLine(std::chrono::system_clock::now(), fields);
  if (fd_ < 0) {  // an earlier rotation could not reopen the file
    Result<int> fd = OpenFile(path());
    if (!fd.ok()) return fd.error();
    fd_ = *fd;
    struct stat st;
    size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  }
  Status rotated = OkStatus();
  if (size_ > 0 && size_ + line.size() > options_.max_bytes) {
    rotated = Rotate(path(), options_.keep, fd_, size_);
    if (fd_ < 0) return rotated;  // the line has nowhere to go
  }
  if (Status written = WriteAll(fd_, line); !written.ok()) {
    // Cut a partial line off so that the next line does not start mid-line.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      struct stat st;
      if (::fstat(fd_, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
    }
    return written;
  }
  size_ += line.size();
  return rotated;
}

}  // namespace waygate::audit

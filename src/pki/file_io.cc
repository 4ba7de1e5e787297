#include "pki/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace waygate::pki {
namespace {

Error IoError(const std::string& what, const std::string& path, int err) {
  return MakeError(ErrorCode::kIo, what + " " + path + ": " + std::strerror(err));
}

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir, errno);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return IoError("fsync directory", dir, err);
  return OkStatus();
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return MakeError(ErrorCode::kNotFound, path + ": file does not exist");
    return IoError("open", path, err);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return IoError("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp.XXXXXX";
  // mkstemp creates the file 0600; fchmod below only ever widens to what the caller asked.
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return IoError("create temporary file for", path, errno);
  auto fail = [&](const char* what) -> Status {
    int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return IoError(what, tmp, err);
  };
  if (fchmod(fd, mode) != 0) return fail("chmod");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("fsync");
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return IoError("close", tmp, err);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return IoError("rename to", path, err);
  }
  return FsyncDir(DirName(path));
}

Status EnsureDir(const std::string& path, mode_t mode) {
  if (path.empty()) return MakeError(ErrorCode::kInvalid, "empty directory path", "data-dir");
  for (size_t pos = 1;; ++pos) {
    pos = path.find('/', pos);
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return IoError("create directory", prefix, errno);
    }
    if (pos == std::string::npos) break;
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return IoError("stat", path, errno);
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kIo, path + ": exists and is not a directory");
  }
  return OkStatus();
}

}  // namespace waygate::pki

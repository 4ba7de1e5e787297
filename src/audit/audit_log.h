// The API server's audit log: one JSON line per write request (create, update, patch, delete,
// deletecollection, and logins/token revocations), in DIR/audit.log, rotated by size
// (audit.log -> audit.log.1 -> ... -> audit.log.<keep>, the oldest dropped).
//
// Line: {"time": RFC 3339 with ms, "user": ..., "verb": ..., "apiGroup": ..., "resource": ...,
// "subresource": ..., "namespace": ..., "name": ..., "code": HTTP status, "result": "allowed" |
// "forbidden" | "invalid" | "error" | ..., "sourceIP": ...}. No request bodies (they may carry
// passwords and Secret data).
//
// Thread-safe: Append is called from API connection threads concurrently; lines are never
// interleaved. Each line is written with one write(2) on an O_APPEND descriptor (no stdio
// buffering: a crash loses nothing written before it). Rotation happens under the lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::audit {

struct Event {
  std::string user;
  std::string verb;
  std::string api_group;
  std::string resource;
  std::string subresource;
  std::string namespace_;
  std::string name;
  int code = 0;
  std::string result;
  std::string source_ip;
};

class AuditLog {
 public:
  struct Options {
    std::string dir;                        // the data directory
    uint64_t max_bytes = 100ull << 20;      // rotate when the file would exceed this
    int keep = 5;                           // rotated files kept
  };
  static Result<std::unique_ptr<AuditLog>> Open(Options options);
  ~AuditLog();

  // Errors (disk full...) are returned, not thrown; the API server logs them and serves on.
  Status Append(const Event& event);

  std::string path() const;

 private:
  explicit AuditLog(Options options);
  Options options_;
  std::mutex mu_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace waygate::audit

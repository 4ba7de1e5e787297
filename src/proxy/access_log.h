// AccessLog: one line per completed exchange, in nginx "combined" format or as JSON lines.
// Each worker formats into its own buffer and writes it with one write(2) when it fills or on
// the worker's tick, so logging adds no syscall per request and no lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace waygate::proxy {

enum class AccessLogFormat { kCombined, kJson };

struct AccessLogEntry {
  std::string_view remote_addr;
  std::string_view method;
  std::string_view target;
  uint8_t version_minor = 1;
  std::string_view host;
  uint16_t status = 0;
  uint64_t body_bytes_sent = 0;
  std::string_view referer;
  std::string_view user_agent;
  std::string_view request_id;
  std::string_view upstream_addr;
  std::string_view ingress;
  std::string_view namespace_;
  std::string_view service;
  double request_time_s = 0;
};

// Shared, immutable after start: the destination and the format.
class AccessLogSink {
 public:
  // path "-" = stdout. Opened O_APPEND so lines from several workers never overwrite each other.
  static Result<std::unique_ptr<AccessLogSink>> Open(const std::string& path,
                                                     AccessLogFormat format);
  ~AccessLogSink();
  AccessLogFormat format() const { return format_; }
  void Write(std::string_view bytes) const;

 private:
  AccessLogSink(int fd, bool owned, AccessLogFormat format)
      : fd_(fd), owned_(owned), format_(format) {}
  int fd_;
  bool owned_;
  AccessLogFormat format_;
};

class AccessLogBuffer {
 public:
  explicit AccessLogBuffer(const AccessLogSink* sink) : sink_(sink) {}
  ~AccessLogBuffer() { Flush(); }
  bool enabled() const { return sink_ != nullptr; }
  void Append(const AccessLogEntry& e, int64_t unix_seconds);
  void Flush();

 private:
  const AccessLogSink* sink_;
  std::string buf_;
  // localtime_r takes a lock inside glibc: format the time once per second, not per line.
  int64_t time_second_ = -1;
  char time_text_[64] = {};
};

}  // namespace waygate::proxy

// RecentLog: the last access-log lines of each gateway, in memory, for the API's
// `gateways/NAME/log` (the console's gateway log view), kept whether or not --access-log is on.
//
// The request path only copies a few bounded fields into a fixed slot of its worker's
// RecentLogBuffer (no allocation, no lock, no formatting); the worker hands the slots to the
// shared RecentLog on its once-a-second flush, and a line is formatted only when someone reads
// it. A worker keeps at most kPending records between two flushes (the newest win), so under
// heavy traffic the ring is a sample of each second's last requests, not a complete log: the
// complete log is --access-log.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::proxy {

// A string copied into fixed storage (truncated at N bytes), so records copy without allocating.
template <size_t N>
struct LogField {
  uint16_t len = 0;
  char data[N];
  void Set(std::string_view s) {
    len = static_cast<uint16_t>(std::min(s.size(), N));
    // An empty view may carry a null pointer, which memcpy must not receive even for 0 bytes.
    if (len != 0) memcpy(data, s.data(), len);
  }
  std::string_view view() const { return std::string_view(data, len); }
};

struct LogRecord {
  int64_t unix_seconds = 0;
  double request_time_s = 0;
  uint64_t body_bytes_sent = 0;
  uint16_t status = 0;
  uint8_t version_minor = 1;
  uint32_t gateway = 0;  // the worker's gateway id (RequestCounter::Intern)
  LogField<48> remote_addr;
  LogField<16> method;
  LogField<96> host;
  LogField<256> target;
  LogField<128> referer;
  LogField<128> user_agent;
  LogField<33> request_id;
  LogField<64> upstream_addr;
  LogField<64> namespace_;
  LogField<64> ingress;
  LogField<64> service;
  LogField<16> service_port;
};

// Formats a record as one line (no newline): nginx's combined format followed by the
// request time, [namespace-service-port] (ingress-nginx's $proxy_upstream_name),
// [namespace/ingress], the upstream address and the request id; "-" for what is empty.
std::string FormatLogLine(const LogRecord& record);

class RecentLog {
 public:
  static constexpr size_t kLinesPerGateway = 1000;

  // Appends records (oldest first); `names` maps their gateway ids to "ns/name".
  void Add(const std::vector<std::string>& names, const LogRecord* records, size_t n);
  // The newest `tail` lines (0: every line kept) of `gateway` that contain `keyword`
  // (ASCII case-insensitive; "": every line), oldest first.
  std::vector<std::string> Tail(const std::string& gateway, size_t tail,
                                std::string_view keyword) const;

 private:
  struct Ring {
    std::vector<LogRecord> records;  // grows to kLinesPerGateway, then wraps at `next`
    size_t next = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Ring> rings_;
};

// One worker's records since its last flush: a fixed ring, allocated once.
class RecentLogBuffer {
 public:
  static constexpr size_t kPending = 256;
  RecentLogBuffer() : records_(kPending) {}
  // The slot for the next record (overwrites the oldest when full). Fill every field.
  LogRecord& Next() {
    LogRecord& r = records_[(start_ + size_) % kPending];
    if (size_ < kPending) {
      ++size_;
    } else {
      start_ = (start_ + 1) % kPending;
    }
    return r;
  }
  void Flush(const std::vector<std::string>& names, RecentLog* log);

 private:
  std::vector<LogRecord> records_;
  size_t start_ = 0;
  size_t size_ = 0;
};

}  // namespace waygate::proxy

#include "proxy/access_log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace waygate::proxy {

Result<std::unique_ptr<AccessLogSink>> AccessLogSink::Open(const std::string& path,
                                                           AccessLogFormat format) {
  if (path == "-") return std::unique_ptr<AccessLogSink>(new AccessLogSink(1, false, format));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "cannot open access log " + path + ": " + strerror(errno));
  }
  return std::unique_ptr<AccessLogSink>(new AccessLogSink(fd, true, format));
}

AccessLogSink::~AccessLogSink() {
  if (owned_) ::close(fd_);
}

void AccessLogSink::Write(std::string_view bytes) const {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not take the gateway down; lines are dropped
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

namespace {

// nginx escapes '"', '\\' and bytes outside printable ASCII as \xHH in access logs; JSON needs
// its own escaping. Both prevent log injection by clients.
void AppendEscaped(std::string& out, std::string_view s, bool json) {
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      snprintf(buf, sizeof buf, json ? "\\u%04x" : "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

void AppendOrDash(std::string& out, std::string_view s, bool json) {
  if (s.empty() && !json) {
    out.push_back('-');
  } else {
    AppendEscaped(out, s, json);
  }
}

}  // namespace

void AccessLogBuffer::Append(const AccessLogEntry& e, int64_t unix_seconds) {
  if (!sink_) return;
  char timebuf[64];
  time_t t = static_cast<time_t>(unix_seconds);
  tm tmv;
  if (sink_->format() == AccessLogFormat::kCombined) {
    localtime_r(&t, &tmv);
    strftime(timebuf, sizeof timebuf, "%d/%b/%Y:%H:%M:%S %z", &tmv);
    // $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
    // "$http_referer" "$http_user_agent"
    buf_.append(e.remote_addr);
    buf_ += " - - [";
    buf_ += timebuf;
    buf_ += "] \"";
    AppendEscaped(buf_, e.method, false);
    buf_.push_back(' ');
    AppendEscaped(buf_, e.target, false);
    buf_ += e.version_minor == 0 ? " HTTP/1.0\" " : " HTTP/1.1\" ";
    buf_ += std::to_string(e.status);
    buf_.push_back(' ');
    buf_ += std::to_string(e.body_bytes_sent);
    buf_ += " \"";
    AppendOrDash(buf_, e.referer, false);
    buf_ += "\" \"";
    AppendOrDash(buf_, e.user_agent, false);
    buf_ += "\"\n";
  } else {
    gmtime_r(&t, &tmv);
    strftime(timebuf, sizeof timebuf, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    char num[64];
    buf_ += "{\"time\":\"";
    buf_ += timebuf;
    buf_ += "\",\"remote_addr\":\"";
    AppendEscaped(buf_, e.remote_addr, true);
    buf_ += "\",\"method\":\"";
    AppendEscaped(buf_, e.method, true);
    buf_ += "\",\"uri\":\"";
    AppendEscaped(buf_, e.target, true);
    buf_ += e.version_minor == 0 ? "\",\"protocol\":\"HTTP/1.0\"" : "\",\"protocol\":\"HTTP/1.1\"";
    buf_ += ",\"host\":\"";
    AppendEscaped(buf_, e.host, true);
    buf_ += "\",\"status\":";
    buf_ += std::to_string(e.status);
    buf_ += ",\"body_bytes_sent\":";
    buf_ += std::to_string(e.body_bytes_sent);
    snprintf(num, sizeof num, ",\"request_time\":%.3f", e.request_time_s);
    buf_ += num;
    buf_ += ",\"referer\":\"";
    AppendEscaped(buf_, e.referer, true);
    buf_ += "\",\"user_agent\":\"";
    AppendEscaped(buf_, e.user_agent, true);
    buf_ += "\",\"request_id\":\"";
    AppendEscaped(buf_, e.request_id, true);
    buf_ += "\",\"upstream_addr\":\"";
    AppendEscaped(buf_, e.upstream_addr, true);
    buf_ += "\",\"ingress\":\"";
    AppendEscaped(buf_, e.ingress, true);
    buf_ += "\",\"namespace\":\"";
    AppendEscaped(buf_, e.namespace_, true);
    buf_ += "\",\"service\":\"";
    AppendEscaped(buf_, e.service, true);
    buf_ += "\"}\n";
  }
  if (buf_.size() >= 32 * 1024) Flush();
}

void AccessLogBuffer::Flush() {
  if (!sink_ || buf_.empty()) return;
  sink_->Write(buf_);
  buf_.clear();
}

}  // namespace waygate::proxy

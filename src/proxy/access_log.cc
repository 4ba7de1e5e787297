#include "proxy/access_log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "proxy/recent_log.h"

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

// Escaping as nginx does it, so no client byte can forge a log line: the combined format
// (escape=default) writes '"', '\\' and bytes outside printable ASCII as \xHH; JSON lines
// (escape=json) escape '"' and '\\' with a backslash and control bytes as \u00HH, and keep
// UTF-8 text as it is.
// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 if it is not valid
// (overlong forms, surrogates and code points above U+10FFFF are invalid too).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
    return 0;
  }
  return n;
}

void AppendEscaped(std::string& out, std::string_view s, bool json) {
  char buf[8];
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (json) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20 || c == 0x7f) {
        snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else if (size_t n = Utf8SequenceLength(s, i)) {
        out.append(s.substr(i, n));
        i += n - 1;
      } else {
        // Not UTF-8: escape the byte as the Latin-1 code point so the line stays valid JSON.
        snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    } else if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
      snprintf(buf, sizeof buf, "\\x%02X", c);
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
  if (unix_seconds != time_second_) {
    time_second_ = unix_seconds;
    time_t t = static_cast<time_t>(unix_seconds);
    tm tmv;
    if (sink_->format() == AccessLogFormat::kCombined) {
      localtime_r(&t, &tmv);
      strftime(time_text_, sizeof time_text_, "%d/%b/%Y:%H:%M:%S %z", &tmv);
    } else {
      gmtime_r(&t, &tmv);
      strftime(time_text_, sizeof time_text_, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    }
  }
  const char* timebuf = time_text_;
  if (sink_->format() == AccessLogFormat::kCombined) {
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

// Here rather than in recent_log.cc: it escapes as the combined format does.
std::string FormatLogLine(const LogRecord& r) {
  std::string out;
  out.reserve(256);
  char text[64];
  time_t t = static_cast<time_t>(r.unix_seconds);
  tm tmv;
  localtime_r(&t, &tmv);
  strftime(text, sizeof text, "%d/%b/%Y:%H:%M:%S %z", &tmv);
  AppendOrDash(out, r.remote_addr.view(), false);
  out += " - - [";
  out += text;
  out += "] \"";
  AppendEscaped(out, r.method.view(), false);
  out.push_back(' ');
  AppendEscaped(out, r.target.view(), false);
  out += r.version_minor == 0 ? " HTTP/1.0\" " : " HTTP/1.1\" ";
  out += std::to_string(r.status);
  out.push_back(' ');
  out += std::to_string(r.body_bytes_sent);
  out += " \"";
  AppendOrDash(out, r.referer.view(), false);
  out += "\" \"";
  AppendOrDash(out, r.user_agent.view(), false);
  snprintf(text, sizeof text, "\" %.3f [", r.request_time_s);
  out += text;
  if (r.service.len == 0) {
    out.push_back('-');
  } else {
    AppendEscaped(out, r.namespace_.view(), false);
    out.push_back('-');
    AppendEscaped(out, r.service.view(), false);
    out.push_back('-');
    AppendEscaped(out, r.service_port.view(), false);
  }
  out += "] [";
  if (r.ingress.len == 0) {
    out.push_back('-');
  } else {
    AppendEscaped(out, r.namespace_.view(), false);
    out.push_back('/');
    AppendEscaped(out, r.ingress.view(), false);
  }
  out += "] ";
  AppendOrDash(out, r.upstream_addr.view(), false);
  out.push_back(' ');
  AppendOrDash(out, r.request_id.view(), false);
  return out;
}

void AccessLogBuffer::Flush() {
  if (!sink_ || buf_.empty()) return;
  sink_->Write(buf_);
  buf_.clear();
}

}  // namespace waygate::proxy

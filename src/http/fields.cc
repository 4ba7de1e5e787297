#include "http/fields.h"

#include "http/chars.h"

namespace waygate::http::internal {

using chars::EqualsLower;
using chars::IsTchar;
using chars::IsWs;

FieldKind ClassifyName(std::string_view name) {
  // Dispatch on length first: most headers fail here with one comparison.
  switch (name.size()) {
    case 2:
      return EqualsLower(name, "te") ? FieldKind::kTe : FieldKind::kOther;
    case 4:
      return EqualsLower(name, "host") ? FieldKind::kHost : FieldKind::kOther;
    case 6:
      return EqualsLower(name, "expect") ? FieldKind::kExpect : FieldKind::kOther;
    case 7:
      return EqualsLower(name, "upgrade") ? FieldKind::kUpgrade : FieldKind::kOther;
    case 10:
      if (EqualsLower(name, "connection")) return FieldKind::kConnection;
      return EqualsLower(name, "keep-alive") ? FieldKind::kKeepAlive : FieldKind::kOther;
    case 14:
      return EqualsLower(name, "content-length") ? FieldKind::kContentLength : FieldKind::kOther;
    case 16:
      return EqualsLower(name, "proxy-connection") ? FieldKind::kProxyConnection
                                                   : FieldKind::kOther;
    case 17:
      return EqualsLower(name, "transfer-encoding") ? FieldKind::kTransferEncoding
                                                    : FieldKind::kOther;
    default:
      return FieldKind::kOther;
  }
}

FieldScan ScanFields(std::string_view buffer, size_t pos, size_t limit, uint16_t max_headers,
                     Header* headers, FieldKind* kinds, uint16_t* count) {
  const auto* b = reinterpret_cast<const unsigned char*>(buffer.data());
  const size_t n = buffer.size();
  const size_t end = n < limit ? n : limit;
  // Called when the byte at offset >= end is needed.
  auto more = [&]() {
    return n > limit ? FieldScan{ScanStatus::kTooLarge, 0, "head too large"} : FieldScan{};
  };
  auto syntax = [](const char* why) { return FieldScan{ScanStatus::kSyntax, 0, why}; };
  size_t p = pos;
  uint16_t c = 0;
  *count = 0;
  for (;;) {
    if (p >= end) return more();
    const unsigned char first = b[p];
    if (first == '\r') {
      if (p + 1 >= end) return more();
      if (b[p + 1] != '\n') return syntax("bare CR in head");
      *count = c;
      return FieldScan{ScanStatus::kDone, p + 2, ""};
    }
    if (first == '\n') return syntax("bare LF in head");
    if (IsWs(first)) return syntax("obs-fold or whitespace before field line");
    if (c == max_headers) return FieldScan{ScanStatus::kTooMany, 0, "too many header fields"};

    const size_t name_start = p;
    while (p < end && IsTchar(b[p])) ++p;
    if (p == end) return more();
    if (b[p] != ':') {
      if (IsWs(b[p])) return syntax("whitespace between field name and colon");
      if (b[p] == '\r' || b[p] == '\n') return syntax("field line without colon");
      return syntax("invalid character in field name");
    }
    if (p == name_start) return syntax("empty field name");
    const size_t name_end = p++;

    while (p < end && IsWs(b[p])) ++p;
    const size_t value_start = p;
    while (p < end && chars::Is(b[p], chars::kFieldValue)) ++p;
    if (p == end) return more();
    if (b[p] != '\r') {
      return syntax(b[p] == '\n' ? "bare LF in head" : "control character in field value");
    }
    if (p + 1 >= end) return more();
    if (b[p + 1] != '\n') return syntax("bare CR in head");
    size_t value_end = p;
    while (value_end > value_start && IsWs(b[value_end - 1])) --value_end;

    const std::string_view name(buffer.data() + name_start, name_end - name_start);
    headers[c].name = name;
    headers[c].value = std::string_view(buffer.data() + value_start, value_end - value_start);
    kinds[c] = ClassifyName(name);
    ++c;
    p += 2;
  }
}

bool MergeContentLength(std::string_view field, bool* seen, uint64_t* value) {
  bool have = false;
  uint64_t first = 0;
  size_t i = 0;
  const size_t n = field.size();
  for (;;) {
    const size_t start = i;
    uint64_t v = 0;
    while (i < n && chars::IsDigit(static_cast<unsigned char>(field[i]))) {
      const uint64_t d = static_cast<uint64_t>(field[i] - '0');
      if (v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
      ++i;
    }
    if (i == start) return false;  // empty element, sign, or other junk
    if (have && v != first) return false;
    have = true;
    first = v;
    while (i < n && IsWs(static_cast<unsigned char>(field[i]))) ++i;
    if (i == n) break;
    if (field[i] != ',') return false;
    ++i;
    while (i < n && IsWs(static_cast<unsigned char>(field[i]))) ++i;
  }
  if (*seen && *value != first) return false;
  *seen = true;
  *value = first;
  return true;
}

namespace {

size_t SkipWs(std::string_view s, size_t i) {
  while (i < s.size() && IsWs(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

size_t SkipToken(std::string_view s, size_t i) {
  while (i < s.size() && IsTchar(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

// Returns the offset after a quoted-string starting at s[i] == '"', or npos.
size_t SkipQuoted(std::string_view s, size_t i) {
  ++i;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (i + 1 == s.size()) return std::string_view::npos;
      const auto e = static_cast<unsigned char>(s[i + 1]);
      if (!chars::Is(e, chars::kFieldValue)) return std::string_view::npos;
      i += 2;
      continue;
    }
    if (!chars::Is(c, chars::kQdtext)) return std::string_view::npos;
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

bool ListReader::SkipParams() {
  while (i_ < s_.size() && s_[i_] == ';') {
    i_ = SkipWs(s_, i_ + 1);
    const size_t name = i_;
    i_ = SkipToken(s_, i_);
    if (i_ == name) return false;
    i_ = SkipWs(s_, i_);
    if (i_ == s_.size() || s_[i_] != '=') return false;
    i_ = SkipWs(s_, i_ + 1);
    if (i_ < s_.size() && s_[i_] == '"') {
      i_ = SkipQuoted(s_, i_);
      if (i_ == std::string_view::npos) return false;
    } else {
      const size_t v = i_;
      i_ = SkipToken(s_, i_);
      if (i_ == v) return false;
    }
    i_ = SkipWs(s_, i_);
  }
  return true;
}

bool ListReader::Next(std::string_view* token, bool* has_params) {
  if (error_) return false;
  for (;;) {
    i_ = SkipWs(s_, i_);
    if (i_ == s_.size()) return false;
    if (s_[i_] == ',') {
      ++i_;
      continue;
    }
    const size_t start = i_;
    i_ = SkipToken(s_, i_);
    if (i_ == start) break;
    *token = s_.substr(start, i_ - start);
    i_ = SkipWs(s_, i_);
    *has_params = i_ < s_.size() && s_[i_] == ';';
    if (*has_params && !SkipParams()) break;
    if (i_ == s_.size()) return true;
    if (s_[i_] != ',') break;
    ++i_;
    return true;
  }
  error_ = true;
  return false;
}

namespace {

bool ValidIpv4(std::string_view s) {
  int octets = 0;
  size_t i = 0;
  for (;;) {
    const size_t start = i;
    int v = 0;
    while (i < s.size() && chars::IsDigit(static_cast<unsigned char>(s[i])) && i - start < 3) {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    const size_t len = i - start;
    if (len == 0 || v > 255 || (len > 1 && s[start] == '0')) return false;
    if (++octets == 4) return i == s.size();
    if (i == s.size() || s[i] != '.') return false;
    ++i;
  }
}

// RFC 3986 IPv6address (no zone id, no IPvFuture).
bool ValidIpv6(std::string_view s) {
  size_t i = 0;
  int groups = 0;
  bool compressed = false;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  }
  for (;;) {
    size_t j = i;
    while (j < s.size() && chars::Is(static_cast<unsigned char>(s[j]), chars::kHex)) ++j;
    if (j == i) return false;
    if (j < s.size() && s[j] == '.') {  // trailing IPv4 takes the last two groups
      if (!ValidIpv4(s.substr(i))) return false;
      groups += 2;
      break;
    }
    if (j - i > 4) return false;
    ++groups;
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

}  // namespace

bool ParseHostPort(std::string_view s, bool allow_empty, HostPort* out) {
  *out = HostPort{};
  if (s.empty()) return allow_empty;
  size_t i = 0;
  if (s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || !ValidIpv6(s.substr(1, close - 1))) return false;
    i = close + 1;
  } else {
    while (i < s.size() && s[i] != ':') {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == '%') {
        if (i + 2 >= s.size() || chars::HexValue(s[i + 1]) < 0 || chars::HexValue(s[i + 2]) < 0) {
          return false;
        }
        i += 3;
        continue;
      }
      if (!chars::Is(c, chars::kRegName)) return false;
      ++i;
    }
    if (i == 0) return false;  // ":80"
  }
  out->host = s.substr(0, i);
  if (i == s.size()) return true;
  if (s[i] != ':') return false;
  ++i;
  if (i == s.size()) return true;  // "host:" is valid: an empty port means the default
  if (s.size() - i > 5) return false;
  int port = 0;
  for (; i < s.size(); ++i) {
    if (!chars::IsDigit(static_cast<unsigned char>(s[i]))) return false;
    port = port * 10 + (s[i] - '0');
  }
  if (port > 65535) return false;
  out->port = port;
  return true;
}

bool ApplyConnection(const Header* headers, const FieldKind* kinds, uint16_t count, uint64_t* mask,
                     bool* close, bool* keep_alive, bool* upgrade) {
  int options = 0;
  for (uint16_t i = 0; i < count; ++i) {
    if (kinds[i] != FieldKind::kConnection) continue;
    ListReader list(headers[i].value);
    std::string_view option;
    bool params = false;
    while (list.Next(&option, &params)) {
      if (params || ++options > kMaxConnectionOptions) return false;
      if (EqualsLower(option, "close")) {
        *close = true;
      } else if (EqualsLower(option, "keep-alive")) {
        *keep_alive = true;  // names Keep-Alive, which is flagged anyway
      } else if (EqualsLower(option, "upgrade")) {
        *upgrade = true;  // names Upgrade, which is flagged anyway
      } else {
        for (uint16_t j = 0; j < count; ++j) {
          // Host and framing keep their meaning whatever Connection says; they are flagged
          // (request) or not special (response Host) independently of this loop.
          if (kinds[j] == FieldKind::kHost || kinds[j] == FieldKind::kContentLength ||
              kinds[j] == FieldKind::kTransferEncoding) {
            continue;
          }
          if (EqualsIgnoreCase(headers[j].name, option)) SetBit(mask, j);
        }
      }
    }
    if (list.error()) return false;
  }
  return true;
}

TeVerdict JudgeTransferEncoding(const Header* headers, const FieldKind* kinds, uint16_t count) {
  bool any = false;
  bool last_chunked = false;
  bool other = false;
  int chunked = 0;
  for (uint16_t i = 0; i < count; ++i) {
    if (kinds[i] != FieldKind::kTransferEncoding) continue;
    ListReader list(headers[i].value);
    std::string_view coding;
    bool params = false;
    while (list.Next(&coding, &params)) {
      any = true;
      if (EqualsLower(coding, "chunked")) {
        if (params) return TeVerdict::kInvalid;  // chunked takes no parameters
        ++chunked;
        last_chunked = true;
      } else {
        other = true;
        last_chunked = false;
      }
    }
    if (list.error()) return TeVerdict::kInvalid;
  }
  if (!any) return TeVerdict::kInvalid;
  if (!last_chunked) return TeVerdict::kNotFinal;
  if (chunked > 1) return TeVerdict::kChunkedTwice;
  if (other) return TeVerdict::kUnknownCoding;
  return TeVerdict::kChunked;
}

}  // namespace waygate::http::internal

#include "echo/params.h"

namespace waygate::echo {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = Hex(in[i + 1]);
    int lo = Hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool ParseUint(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsFieldValue(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

Error Bad(std::string_view name, std::string_view why) {
  return MakeError(ErrorCode::kInvalid, std::string(why), "query." + std::string(name));
}

}  // namespace

Result<Params> ParseParams(std::string_view query) {
  Params p;
  std::string value;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (!PercentDecode(raw, &value)) return Bad(name, "bad percent-encoding");
    uint64_t n = 0;
    if (name == "status") {
      if (!ParseUint(value, 999, &n) || n < 200 || n > 599) {
        return Bad(name, "must be a status code in 200..599");
      }
      p.status = static_cast<uint16_t>(n);
    } else if (name == "delay_ms") {
      if (!ParseUint(value, kMaxDelayMs, &n)) return Bad(name, "must be 0..60000");
      p.delay_ms = static_cast<uint32_t>(n);
    } else if (name == "body_bytes") {
      if (!ParseUint(value, kMaxBodyBytes, &n)) return Bad(name, "must be 0..67108864");
      p.body_bytes_set = true;
      p.body_bytes = n;
    } else if (name == "chunked") {
      p.chunked = value == "1" || value == "true";
    } else if (name == "close") {
      p.close = value == "1" || value == "true";
    } else if (name == "header") {
      size_t colon = value.find(':');
      if (colon == std::string::npos || colon == 0) return Bad(name, "must be Name:Value");
      std::string hname = value.substr(0, colon);
      std::string hvalue = value.substr(colon + 1);
      while (!hvalue.empty() && (hvalue.front() == ' ' || hvalue.front() == '\t')) {
        hvalue.erase(0, 1);
      }
      for (char c : hname) {
        if (!IsTokenChar(c)) return Bad(name, "header name must be a token");
      }
      if (!IsFieldValue(hvalue)) return Bad(name, "header value has control characters");
      p.headers.emplace_back(std::move(hname), std::move(hvalue));
    }
  }
  return p;
}

}  // namespace waygate::echo

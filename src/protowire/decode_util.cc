#include "protowire/decode_util.h"

namespace waygate::protowire::internal {

Error WrongType(const char* where) {
  return MakeError(ErrorCode::kInvalid,
                   std::string("malformed protobuf: wrong wire type for ") + where);
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Result<std::string_view> AsBytes(const Field& f, const char* where) {
  if (f.type != WireType::kLen) return WrongType(where);
  return f.bytes;
}

Result<std::string> AsString(const Field& f, const char* where) {
  if (f.type != WireType::kLen) return WrongType(where);
  // nlohmann::json throws on invalid UTF-8 when dumped; refuse it here instead.
  if (!ValidUtf8(f.bytes)) {
    return MakeError(ErrorCode::kInvalid, std::string("invalid UTF-8 in ") + where);
  }
  return std::string(f.bytes);
}

Result<int64_t> AsInt64(const Field& f, const char* where) {
  if (f.type != WireType::kVarint) return WrongType(where);
  return static_cast<int64_t>(f.scalar);
}

Result<int32_t> AsInt32(const Field& f, const char* where) {
  if (f.type != WireType::kVarint) return WrongType(where);
  return static_cast<int32_t>(static_cast<uint32_t>(f.scalar));
}

Result<bool> AsBool(const Field& f, const char* where) {
  if (f.type != WireType::kVarint) return WrongType(where);
  return f.scalar != 0;
}

namespace {

Status AddMapEntry(const Field& f, json& map, const char* where, bool bytes_value) {
  if (f.type != WireType::kLen) return WrongType(where);
  std::string key;
  std::string value;
  WireReader r(f.bytes);
  while (!r.done()) {
    auto e = r.Next();
    if (!e) return e.error();
    if (e->number == 1 || (e->number == 2 && !bytes_value)) {
      auto s = AsString(*e, where);
      if (!s) return s.error();
      (e->number == 1 ? key : value) = std::move(*s);
    } else if (e->number == 2) {
      auto b = AsBytes(*e, where);
      if (!b) return b.error();
      value = std::string(*b);
    }
  }
  if (!map.is_object()) map = json::object();
  map[key] = bytes_value ? Base64(value) : value;
  return OkStatus();
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian), after H. Hinnant's algorithm.
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

}  // namespace

Status AddStringMapEntry(const Field& f, json& map, const char* where) {
  return AddMapEntry(f, map, where, false);
}

Status AddBytesMapEntry(const Field& f, json& map, const char* where) {
  return AddMapEntry(f, map, where, true);
}

Result<json> DecodeTime(std::string_view bytes, const char* where) {
  if (bytes.empty()) return json(nullptr);  // metav1.Time marshals the zero time as nothing
  int64_t seconds = 0;
  int64_t nanos = 0;
  WireReader r(bytes);
  while (!r.done()) {
    auto f = r.Next();
    if (!f) return f.error();
    if (f->number == 1) {
      auto v = AsInt64(*f, where);
      if (!v) return v.error();
      seconds = *v;
    } else if (f->number == 2) {
      auto v = AsInt32(*f, where);
      if (!v) return v.error();
      nanos = *v;
    }
  }
  // time.Unix normalises nanos outside [0, 1e9) into seconds; JSON then drops the fraction.
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  constexpr int64_t kZeroTime = -62135596800;    // 0001-01-01T00:00:00Z, Go's zero time
  if (seconds < kZeroTime - 1 || seconds > kMaxSeconds + 1) {
    return MakeError(ErrorCode::kInvalid, std::string(where) + ": time out of range");
  }
  seconds += nanos / 1000000000;
  nanos %= 1000000000;
  if (nanos < 0) --seconds, nanos += 1000000000;
  if (seconds == kZeroTime && nanos == 0) return json(nullptr);
  if (seconds < kZeroTime || seconds > kMaxSeconds) {
    return MakeError(ErrorCode::kInvalid, std::string(where) + ": time out of range");
  }
  int64_t days = seconds / 86400;
  int64_t sod = seconds % 86400;
  if (sod < 0) sod += 86400, --days;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(sod / 3600),
                static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60));
  return json(buf);
}

Result<json> DecodeIntOrString(std::string_view bytes, const char* where) {
  int64_t type = 0;
  int32_t int_val = 0;
  std::string str_val;
  WireReader r(bytes);
  while (!r.done()) {
    auto f = r.Next();
    if (!f) return f.error();
    if (f->number == 1) {
      auto v = AsInt64(*f, where);
      if (!v) return v.error();
      type = *v;
    } else if (f->number == 2) {
      auto v = AsInt32(*f, where);
      if (!v) return v.error();
      int_val = *v;
    } else if (f->number == 3) {
      auto v = AsString(*f, where);
      if (!v) return v.error();
      str_val = std::move(*v);
    }
  }
  // intstr.Type: 0 Int, 1 String; MarshalJSON treats anything else as an error.
  if (type == 0) return json(int_val);
  if (type == 1) return json(str_val);
  return MakeError(ErrorCode::kInvalid, std::string(where) + ": impossible IntOrString type");
}

void SetOmitEmpty(json& obj, const char* key, std::string value) {
  if (value.empty()) {
    obj.erase(key);
  } else {
    obj[key] = std::move(value);
  }
}

void SetOmitZero(json& obj, const char* key, int64_t value) {
  if (value == 0) {
    obj.erase(key);
  } else {
    obj[key] = value;
  }
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace waygate::protowire::internal

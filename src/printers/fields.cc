// Tolerant JSON readers and time handling shared by every printer. Objects reach the printers
// straight from storage or from a client, so any field may be missing or of the wrong type; each
// reader answers Go's zero value instead, which is what kube's typed printers would have seen.
#include <limits>

#include "printers/printer.h"
#include "printers/table.h"

namespace waygate::printers::internal {

const std::string_view kNameDoc =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

const std::string_view kCreationTimestampDoc =
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";

const Json* Get(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json* GetPath(const Json& obj, std::initializer_list<std::string_view> path) {
  const Json* cur = &obj;
  for (std::string_view key : path) {
    cur = Get(*cur, key);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string Str(const Json* v) {
  if (v == nullptr || !v->is_string()) return "";
  return v->get_ref<const std::string&>();
}

int64_t Int(const Json* v) {
  if (v == nullptr) return 0;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (!(d > -9.2e18 && d < 9.2e18)) return 0;  // NaN or out of range
    return static_cast<int64_t>(d);
  }
  return 0;
}

bool Bool(const Json* v) { return v != nullptr && v->is_boolean() && v->get<bool>(); }

const Json& Items(const Json* v) {
  static const Json kEmpty = Json::array();
  if (v == nullptr || !v->is_array()) return kEmpty;
  return *v;
}

size_t MapSize(const Json* v) { return v != nullptr && v->is_object() ? v->size() : 0; }

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[*pos].
bool Digits(std::string_view text, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > text.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

constexpr int64_t kGoZeroSeconds = -62135596800;  // 0001-01-01T00:00:00Z

}  // namespace

bool Instant::IsZero() const { return seconds == kGoZeroSeconds && nanos == 0; }

std::optional<Instant> ParseTime(std::string_view text) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &month) ||
      !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &day) || !Expect(text, &pos, 'T') ||
      !Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh, om;
    if (!Digits(text, &pos, 2, &oh) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  Instant t;
  t.seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  t.nanos = static_cast<int32_t>(nanos);
  return t;
}

std::chrono::nanoseconds Elapsed(TimePoint now, const Instant& t) {
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  int64_t now_s = now_ns / 1000000000;
  int64_t now_frac = now_ns % 1000000000;
  if (now_frac < 0) {
    now_frac += 1000000000;
    --now_s;
  }
  const int64_t diff_s = now_s - t.seconds;
  const int64_t diff_frac = now_frac - t.nanos;
  constexpr int64_t kMaxWholeSeconds = std::numeric_limits<int64_t>::max() / 1000000000 - 1;
  if (diff_s > kMaxWholeSeconds) return std::chrono::nanoseconds::max();
  if (diff_s < -kMaxWholeSeconds) return std::chrono::nanoseconds::min();
  return std::chrono::nanoseconds(diff_s * 1000000000 + diff_frac);
}

std::string Since(const Json* timestamp, TimePoint now) {
  std::optional<Instant> t = ParseTime(Str(timestamp));
  if (!t || t->IsZero()) return "<unknown>";
  return HumanDuration(Elapsed(now, *t));
}

std::string Age(const Json& object, TimePoint now) {
  return Since(GetPath(object, {"metadata", "creationTimestamp"}), now);
}

std::string Name(const Json& object) { return Str(GetPath(object, {"metadata", "name"})); }

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

}  // namespace waygate::printers::internal

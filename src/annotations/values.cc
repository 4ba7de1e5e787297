// Value helpers shared by the key parsers (parsers.h).
#include <arpa/inet.h>

#include <limits>
#include <string>

#include "annotations/parse.h"
#include "annotations/parsers.h"
#include "annotations/values.h"

namespace waygate::annotations {
namespace internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || IsDigit(c); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Reads leading digits into `out`; false on none or overflow past uint64.
bool ReadDigits(std::string_view& text, uint64_t& out) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && IsDigit(text[i])) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return false;
  text.remove_prefix(i);
  out = value;
  return true;
}

bool IsDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  uint64_t port = 0;
  if (!ReadDigits(text, port) || !text.empty()) return false;
  return port >= 1 && port <= 65535;
}

}  // namespace

std::string FieldOf(std::string_view key) {
  std::string field = "metadata.annotations[";
  field.append(kPrefix);
  field.append(key);
  field.push_back(']');
  return field;
}


Error Invalid(std::string message) { return MakeError(ErrorCode::kInvalid, std::move(message)); }



Status SetUint32(std::string_view value, uint32_t& out) {
  auto parsed = ParseUint32(value);
  if (!parsed) return parsed.error();
  out = *parsed;
  return OkStatus();
}

Result<int32_t> ParseInt32(std::string_view text) {
  std::string_view rest = text;
  bool negative = !rest.empty() && rest.front() == '-';
  if (negative) rest.remove_prefix(1);
  uint64_t value = 0;
  if (!ReadDigits(rest, value) || !rest.empty()) {
    return Invalid("invalid number " + Quoted(text) + ": want an integer");
  }
  const uint64_t limit = negative ? uint64_t{1} << 31 : (uint64_t{1} << 31) - 1;
  if (value > limit) return Invalid("number " + Quoted(text) + " is out of range");
  return negative ? static_cast<int32_t>(-static_cast<int64_t>(value))
                  : static_cast<int32_t>(value);
}

Result<uint32_t> ParseDurationMs(std::string_view text) {
  auto usage = [text] {
    return Invalid("invalid duration " + Quoted(text) +
                   ": want seconds (\"5\") or nginx time units (\"500ms\", \"5s\", \"1m\", "
                   "\"1h\", \"1d\")");
  };
  std::string_view rest = text;
  uint64_t total = 0;
  bool first = true;
  while (first || !rest.empty()) {
    const bool only_term = first;
    first = false;
    uint64_t value = 0;
    if (!ReadDigits(rest, value)) return usage();
    uint64_t unit = 1000;
    if (rest.empty()) {
      if (!only_term) return usage();
    } else if (rest.substr(0, 2) == "ms") {
      unit = 1;
      rest.remove_prefix(2);
    } else {
      switch (rest.front()) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60 * 1000;
          break;
        case 'h':
          unit = 60 * 60 * 1000;
          break;
        case 'd':
          unit = 24 * 60 * 60 * 1000;
          break;
        default:
          return usage();
      }
      rest.remove_prefix(1);
    }
    constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
    if (value > kMax || value * unit > kMax - total) {
      return Invalid("duration " + Quoted(text) + " is too long");
    }
    total += value * unit;
  }
  return static_cast<uint32_t>(total);
}

std::string_view TrimBlank(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> SplitList(std::string_view text, char sep) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) {
      items.push_back(TrimBlank(text.substr(start)));
      return items;
    }
    items.push_back(TrimBlank(text.substr(start, end - start)));
    start = end + 1;
  }
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (IsAlnum(c)) continue;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~':
        continue;
      default:
        return false;
    }
  }
  return true;
}

bool IsDnsName(std::string_view text, bool allow_wildcard) {
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t dot = text.find('.', start);
    std::string_view label =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const bool wildcard = first && allow_wildcard && label == "*";
    first = false;
    if (!wildcard && !IsDnsLabel(label)) return false;
    if (wildcard && dot == std::string_view::npos) return false;  // "*" alone names nothing
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsDns1123Subdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  if (!IsLowerAlnum(text.front()) || !IsLowerAlnum(text.back())) return false;
  for (char c : text) {
    if (!IsLowerAlnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool IsDns1035Label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (text.front() < 'a' || text.front() > 'z' || !IsLowerAlnum(text.back())) return false;
  for (char c : text) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsHostPort(std::string_view text) {
  if (text.empty()) return false;
  std::string_view host = text;
  std::string_view port;
  bool has_port = false;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    std::string address(text.substr(1, close - 1));
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    return ParsePort(rest.substr(1));
  }
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
  }
  if (has_port && !ParsePort(port)) return false;
  // Underscores appear in internal host names (nginx's Host accepts them too).
  std::string relaxed(host);
  for (char& c : relaxed) {
    if (c == '_') c = 'a';
  }
  if (IsDnsName(relaxed, false)) return true;
  in_addr v4{};
  std::string address(host);
  return inet_pton(AF_INET, address.c_str(), &v4) == 1;
}

bool IsUrlChar(char c) {
  if (IsAlnum(c)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
    case '%':
      return true;
    default:
      return false;
  }
}

std::optional<std::string> UrlTextProblem(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!IsUrlChar(c)) {
      return "character " + Quoted(std::string_view(&text[i], 1)) + " is not allowed";
    }
    if (c == '%' && (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))) {
      return std::string("'%' must start a %XX escape");
    }
  }
  return std::nullopt;
}

Result<std::string> SameNamespaceName(std::string_view value, std::string_view ingress_namespace,
                                      std::string_view what) {
  std::string_view name = value;
  size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    std::string_view ns = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (ns != ingress_namespace) {
      return Invalid(std::string(what) + " in another namespace: " + Quoted(value) +
                     " (only the Ingress's own namespace " + Quoted(ingress_namespace) +
                     " may be referenced)");
    }
  }
  return std::string(name);
}

}  // namespace internal

std::string Quoted(std::string_view text) {
  // Built by appending: `"\"" + std::string(text)` trips GCC 12's false -Wrestrict at -O3.
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
  return out;
}

Result<bool> ParseBool(std::string_view text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
      text == "True") {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
      text == "False") {
    return false;
  }
  return internal::Invalid("invalid boolean " + Quoted(text) + ": want true or false");
}

Result<uint32_t> ParseUint32(std::string_view text) {
  std::string_view rest = text;
  uint64_t value = 0;
  if (!internal::ReadDigits(rest, value) || !rest.empty()) {
    return internal::Invalid("invalid number " + Quoted(text) + ": want a non-negative integer");
  }
  if (value > std::numeric_limits<uint32_t>::max()) {
    return internal::Invalid("number " + Quoted(text) + " is too large");
  }
  return static_cast<uint32_t>(value);
}

}  // namespace waygate::annotations

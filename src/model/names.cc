#include "model/names.h"

#include <arpa/inet.h>

#include <string>

namespace waygate::model {
namespace {

constexpr size_t kLabelMax = 63;
constexpr size_t kSubdomainMax = 253;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchLabel1123(std::string_view v) {
  if (v.empty() || !IsLowerAlnum(v.front()) || !IsLowerAlnum(v.back())) return false;
  for (char c : v) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// label(\.label)*
bool MatchSubdomain(std::string_view v) {
  size_t start = 0;
  while (true) {
    size_t dot = v.find('.', start);
    std::string_view label = v.substr(start, dot == std::string_view::npos ? v.npos : dot - start);
    if (!MatchLabel1123(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchQualifiedNamePart(std::string_view v) {
  if (v.empty() || !IsAlnum(v.front()) || !IsAlnum(v.back())) return false;
  for (char c : v) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string MaxLenError(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

constexpr const char* kLabel1123Fmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr const char* kSubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr const char* kQualifiedFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

std::string RegexError(std::string msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  if (examples.size() == 0)
    return msg + " (regex used for validation is '" + std::string(fmt) + "')";
  msg += " (e.g. ";
  bool first = true;
  for (std::string_view e : examples) {
    if (!first) msg += " or ";
    first = false;
    msg += "'";
    msg += e;
    msg += "', ";
  }
  msg += "regex used for validation is '";
  msg += fmt;
  msg += "')";
  return msg;
}

}  // namespace

Messages IsDNS1123Label(std::string_view value) {
  Messages errs;
  if (value.size() > kLabelMax) errs.push_back(MaxLenError(kLabelMax));
  if (!MatchLabel1123(value)) {
    if (MatchSubdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
          "and must start and end with an alphanumeric character",
          kLabel1123Fmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

Messages IsDNS1123Subdomain(std::string_view value) {
  Messages errs;
  if (value.size() > kSubdomainMax) errs.push_back(MaxLenError(kSubdomainMax));
  if (!MatchSubdomain(value)) {
    errs.push_back(RegexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character",
        kSubdomainFmt, {"example.com"}));
  }
  return errs;
}

Messages IsDNS1035Label(std::string_view value) {
  Messages errs;
  if (value.size() > kLabelMax) errs.push_back(MaxLenError(kLabelMax));
  bool ok = MatchLabel1123(value) && value.front() >= 'a' && value.front() <= 'z';
  if (!ok) {
    errs.push_back(RegexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return errs;
}

Messages IsWildcardDNS1123Subdomain(std::string_view value) {
  Messages errs;
  if (value.size() > kSubdomainMax) errs.push_back(MaxLenError(kSubdomainMax));
  bool ok = value.size() > 2 && value.substr(0, 2) == "*." && MatchSubdomain(value.substr(2));
  if (!ok) {
    errs.push_back(RegexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
        "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
        "alphanumeric character",
        std::string("\\*\\.") + kSubdomainFmt, {"*.example.com"}));
  }
  return errs;
}

Messages IsLabelKey(std::string_view value) {
  Messages errs;
  const std::string name_msg =
      "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character";
  std::string_view name = value;
  size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " +
                     RegexError(name_msg, kQualifiedFmt, {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (std::string& m : IsDNS1123Subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kLabelMax) {
    errs.push_back("name part " + MaxLenError(kLabelMax));
  }
  if (!MatchQualifiedNamePart(name)) {
    errs.push_back("name part " +
                   RegexError(name_msg, kQualifiedFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

Messages IsLabelValue(std::string_view value) {
  Messages errs;
  if (value.size() > kLabelMax) errs.push_back(MaxLenError(kLabelMax));
  if (!value.empty() && !MatchQualifiedNamePart(value)) {
    errs.push_back(RegexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character",
        std::string("(") + kQualifiedFmt + ")?", {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

Messages IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

Messages IsValidPortName(std::string_view port) {
  Messages errs;
  if (port.size() > 15) errs.push_back(MaxLenError(15));
  bool charset = !port.empty();
  bool letter = false;
  for (char c : port) {
    if (!IsLowerAlnum(c) && c != '-') charset = false;
    if (c >= 'a' && c <= 'z') letter = true;
  }
  if (!charset) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (port.find("--") != std::string_view::npos) {
    errs.push_back("must not contain consecutive hyphens");
  }
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

Messages IsConfigMapKey(std::string_view key) {
  Messages errs;
  if (key.size() > kSubdomainMax) errs.push_back(MaxLenError(kSubdomainMax));
  bool ok = !key.empty();
  for (char c : key) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') ok = false;
  }
  if (!ok) {
    errs.push_back(
        RegexError("a valid config key must consist of alphanumeric characters, '-', "
                   "'_' or '.'",
                   "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  if (key == ".") {
    errs.push_back("must not be '.'");
  } else if (key == "..") {
    errs.push_back("must not be '..'");
  } else if (key.substr(0, 2) == "..") {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

Messages IsPathSegmentName(std::string_view name) {
  if (name == ".") return {"may not be '.'"};
  if (name == "..") return {"may not be '..'"};
  Messages errs;
  if (name.find('/') != std::string_view::npos) errs.push_back("may not contain '/'");
  if (name.find('%') != std::string_view::npos) errs.push_back("may not contain '%'");
  return errs;
}

bool IsIPv4(std::string_view v) {
  // Four decimal parts 0-255; leading zeros allowed (Go's ParseIPSloppy).
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    unsigned value = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      value = value * 10 + static_cast<unsigned>(v[i] - '0');
      if (++digits > 3) return false;
      ++i;
    }
    if (digits == 0 || value > 255) return false;
    ++parts;
    if (i == v.size()) return parts == 4;
    if (v[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool IsIPv6(std::string_view v) {
  if (v.find(':') == std::string_view::npos || v.size() > 45) return false;
  std::string s(v);
  in6_addr addr;
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

}  // namespace waygate::model

#include "selector/field_selector.h"

#include <algorithm>

#include "base/utf8.h"
#include "model/field_path.h"

namespace waygate::selector {
namespace {

// One UTF-8 sequence at s[i]: Go's utf8.DecodeRuneInString, which yields U+FFFD of width 1 for
// anything invalid (overlong forms, surrogates, > U+10FFFF, truncated sequences).
struct Rune {
  char32_t r;
  size_t width;
};

Rune DecodeRune(std::string_view s, size_t i) {
  constexpr Rune kError{0xFFFD, 1};
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c0 = b(0);
  if (c0 < 0x80) return {c0, 1};
  size_t n = 0;
  char32_t r = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    n = 2;
    r = c0 & 0x1F;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    n = 3;
    r = c0 & 0x0F;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    n = 4;
    r = c0 & 0x07;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;
  } else {
    return kError;
  }
  if (i + n > s.size()) return kError;
  for (size_t k = 1; k < n; ++k) {
    unsigned char c = b(k);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return kError;
    r = (r << 6) | (c & 0x3F);
  }
  return {r, n};
}

// splitTerms: an escaped ',' stays in its term, backslash included. Byte-wise is the same as
// Go's rune-wise walk: a multi-byte rune never contains '\\' or ','.
std::vector<std::string_view> SplitTerms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (in_slash) {
      in_slash = false;
    } else if (s[i] == '\\') {
      in_slash = true;
    } else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

// splitTerm: the first position where "!=", "==" or "=" starts (checked in that order).
bool SplitTerm(std::string_view term, std::string_view& lhs, std::string_view& op,
               std::string_view& rhs) {
  for (size_t i = 0; i < term.size(); ++i) {
    std::string_view rest = term.substr(i);
    for (std::string_view candidate : {"!=", "==", "="}) {
      if (rest.substr(0, candidate.size()) == candidate) {
        lhs = term.substr(0, i);
        op = candidate;
        rhs = rest.substr(candidate.size());
        return true;
      }
    }
  }
  return false;
}

}  // namespace

const std::set<std::string>& FieldSelector::MetadataFields() {
  static const std::set<std::string> kFields = {"metadata.name", "metadata.namespace"};
  return kFields;
}

std::string EscapeFieldValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

Result<std::string> UnescapeFieldValue(std::string_view s) {
  if (s.find_first_of("\\,=") == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  bool in_slash = false;
  for (size_t i = 0; i < s.size();) {
    Rune r = DecodeRune(s, i);
    i += r.width;
    if (in_slash) {
      if (r.r != '\\' && r.r != ',' && r.r != '=') {
        std::string seq = "\\";
        AppendUtf8(seq, r.r);
        return MakeError(ErrorCode::kInvalid,
                         "invalid field selector: invalid escape sequence: " + seq);
      }
      AppendUtf8(out, r.r);
      in_slash = false;
      continue;
    }
    if (r.r == '\\') {
      in_slash = true;
    } else if (r.r == ',' || r.r == '=') {
      // Go prints the rune with %v: its number ("61" for '=').
      return MakeError(ErrorCode::kInvalid,
                       "invalid field selector: unescaped character in value: " +
                           std::to_string(static_cast<uint32_t>(r.r)));
    } else {
      AppendUtf8(out, r.r);  // invalid UTF-8 comes out as U+FFFD, as in Go
    }
  }
  if (in_slash) {
    return MakeError(ErrorCode::kInvalid, "invalid field selector: invalid escape sequence: \\");
  }
  return out;
}

Result<FieldSelector> FieldSelector::Parse(std::string_view text,
                                           const std::set<std::string>& supported_fields) {
  std::vector<std::string_view> parts = SplitTerms(text);
  std::sort(parts.begin(), parts.end());
  std::vector<FieldRequirement> terms;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    std::string_view lhs, op, rhs;
    if (!SplitTerm(part, lhs, op, rhs)) {
      return MakeError(ErrorCode::kInvalid, "invalid selector: '" + std::string(text) +
                                                "'; can't understand '" + std::string(part) + "'");
    }
    Result<std::string> value = UnescapeFieldValue(rhs);
    if (!value.ok()) return value.error();
    terms.push_back({std::string(lhs), op != "!=", std::move(value).value()});
  }
  // Transform: the kind's field-label conversion runs after the whole string parsed.
  if (!supported_fields.empty()) {
    for (const FieldRequirement& t : terms) {
      if (supported_fields.count(t.field) != 0) continue;
      if (supported_fields == MetadataFields()) {
        return MakeError(ErrorCode::kInvalid, model::Quote(t.field) +
                                                  " is not a known field selector: only "
                                                  "\"metadata.name\", \"metadata.namespace\"");
      }
      return MakeError(ErrorCode::kInvalid, "field label not supported: " + t.field);
    }
  }
  return FieldSelector(std::move(terms));
}

bool FieldSelector::Matches(
    const std::function<std::optional<std::string>(std::string_view field)>& get) const {
  for (const FieldRequirement& t : terms_) {
    std::string have = get(t.field).value_or("");
    if ((have == t.value) != t.equals) return false;
  }
  return true;
}

std::string FieldSelector::String() const {
  std::string out;
  for (size_t i = 0; i < terms_.size(); ++i) {
    if (i > 0) out += ',';
    out += terms_[i].field;
    out += terms_[i].equals ? "=" : "!=";
    out += EscapeFieldValue(terms_[i].value);
  }
  return out;
}

std::optional<std::string> FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const FieldRequirement& t : terms_) {
    if (t.equals && t.field == field) return t.value;
  }
  return std::nullopt;
}

}  // namespace waygate::selector

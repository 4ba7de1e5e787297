// The texts: problem wording (k8s.io/apimachinery strict decoding errors), the Warning header
// format (k8s.io/apimachinery/pkg/util/net NewWarningHeader) and the apiserver's warning
// recorder limits (k8s.io/apiserver/pkg/endpoints/filters/warning.go).
#include <cstdio>

#include "fieldcheck/fieldcheck.h"

namespace waygate::fieldcheck {
namespace {

// One UTF-8 sequence at s[i]: its code point and length, or length 0 when invalid.
struct Rune {
  char32_t value;
  size_t size;
};

Rune DecodeRune(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return {c, 1};
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || (n == 3 && c > 0xEF) || i + n > s.size()) return {0, 0};
  char32_t r = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    r = (r << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid, as Go's decoder says.
  if ((n == 3 && r < 0x800) || (n == 4 && (r < 0x10000 || r > 0x10FFFF)) ||
      (r >= 0xD800 && r <= 0xDFFF)) {
    return {0, 0};
  }
  return {r, n};
}

bool IsControl(char32_t r) { return r < 0x20 || (r >= 0x7F && r <= 0x9F); }

// unicode.IsPrint for the runes a field name could plausibly hold: controls and the common
// invisible format characters are not printable, everything else is treated as printable.
bool IsPrint(char32_t r) {
  if (IsControl(r) || r == 0xAD || r == 0xFEFF) return false;
  if ((r >= 0x200B && r <= 0x200F) || (r >= 0x2028 && r <= 0x202E) ||
      (r >= 0x2060 && r <= 0x206F)) {
    return false;
  }
  return true;
}

void AppendHex(std::string& out, const char* prefix, unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%s%0*x", prefix, digits, value);
  out += buf;
}

// Go's strconv.Quote (what %q prints for a string).
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    Rune r = DecodeRune(s, i);
    if (r.size == 0) {
      AppendHex(out, "\\x", static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    char32_t c = r.value;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (IsPrint(c)) {
      out.append(s.substr(i, r.size));
    } else if (c == '\a' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t' ||
               c == '\v') {
      static constexpr std::string_view kLetters = "abtnvfr";  // \a=7 ... \r=13
      out += '\\';
      out += kLetters[c - '\a'];
    } else if (c < 0x20 || c == 0x7F) {
      AppendHex(out, "\\x", static_cast<unsigned>(c), 2);
    } else if (c < 0x10000) {
      AppendHex(out, "\\u", static_cast<unsigned>(c), 4);
    } else {
      AppendHex(out, "\\U", static_cast<unsigned>(c), 8);
    }
    i += r.size;
  }
  out += '"';
  return out;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    Rune r = DecodeRune(s, i);
    i += r.size == 0 ? 1 : r.size;  // Go counts each invalid byte as one rune
  }
  return n;
}

std::string_view FirstRunes(std::string_view s, size_t count) {
  size_t i = 0;
  for (size_t n = 0; n < count && i < s.size(); ++n) {
    Rune r = DecodeRune(s, i);
    i += r.size == 0 ? 1 : r.size;
  }
  return s.substr(0, i);
}

}  // namespace

std::optional<Directive> ParseDirective(std::string_view value) {
  if (value.empty() || value == "Warn") return Directive::kWarn;
  if (value == "Strict") return Directive::kStrict;
  if (value == "Ignore") return Directive::kIgnore;
  return std::nullopt;
}

std::string UnknownField(std::string_view path) { return "unknown field " + GoQuote(path); }
std::string DuplicateField(std::string_view path) { return "duplicate field " + GoQuote(path); }

std::string StrictDecodingMessage(const std::vector<std::string>& problems) {
  std::string out = "strict decoding error: ";
  for (size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) out += ", ";
    out += problems[i];
  }
  return out;
}

std::string WarningHeader(std::string_view text) {
  if (text.empty()) return {};
  for (size_t i = 0; i < text.size();) {
    Rune r = DecodeRune(text, i);
    if (r.size == 0 || IsControl(r.value)) return {};
    i += r.size;
  }
  std::string out = "299 - \"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

void WarningRecorder::Add(std::string_view text) {
  if (text.empty()) return;
  if (truncating_ && written_ >= max_total_) return;
  if (!seen_.emplace(text).second) return;
  texts_.emplace_back(text);

  size_t runes = RuneCount(text);
  if (truncating_ && runes > max_item_) {
    text = FirstRunes(text, max_item_);
    runes = max_item_;
  }
  std::string header = WarningHeader(text);
  if (header.empty()) return;
  if (truncating_ || written_ + runes <= max_total_) {
    written_ += runes;
    headers_.push_back(std::move(header));
    return;
  }
  // Over the limit for the first time: replay everything so far, each cut to max_item_ runes.
  truncating_ = true;
  written_ = 0;
  headers_.clear();
  for (const std::string& t : texts_) {
    std::string_view cut = t;
    size_t n = RuneCount(cut);
    if (n > max_item_) {
      cut = FirstRunes(cut, max_item_);
      n = max_item_;
    }
    if (std::string h = WarningHeader(cut); !h.empty()) {
      written_ += n;
      headers_.push_back(std::move(h));
    }
  }
}

std::vector<std::string> WarningHeaders(const std::vector<std::string>& problems) {
  WarningRecorder recorder;
  for (const std::string& p : problems) recorder.Add(p);
  return recorder.headers();
}

}  // namespace waygate::fieldcheck

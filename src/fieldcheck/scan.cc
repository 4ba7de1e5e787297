#include "fieldcheck/scan.h"

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <unordered_set>

#include "base/utf8.h"
#include "fieldcheck/path.h"

namespace waygate::fieldcheck::internal {
namespace {

constexpr size_t kMaxProblems = 100;  // sigs.k8s.io/json stops saving strict errors here
constexpr size_t kMaxDepth = 10000;   // encoding/json's nesting limit
constexpr size_t kLinearKeys = 16;    // past this many keys, an object's keys go in a hash set
constexpr size_t kMaxStructFields = 128;

// Four hex digits at s[i], or -1.
int32_t Hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The body of a JSON string with escapes; lone surrogates become U+FFFD, as Go decodes them.
std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        int32_t r = Hex4(raw, i + 1);
        if (r < 0) {
          out += e;
          break;
        }
        i += 4;
        if (r >= 0xD800 && r < 0xDC00 && i + 2 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          int32_t lo = Hex4(raw, i + 3);
          if (lo >= 0xDC00 && lo < 0xE000) {
            r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (r >= 0xD800 && r < 0xE000) r = 0xFFFD;
        AppendUtf8(out, static_cast<char32_t>(r));
        break;
      }
      default:
        out += e;  // \" \\ \/
    }
  }
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  std::vector<Problem> Run(const Node* root) {
    SkipWs();
    if (pos_ >= s_.size() || !Value(root, Segment{})) return std::move(problems_);
    while (!frames_.empty() && Step()) {
    }
    return std::move(problems_);
  }

 private:
  struct Frame {
    const Node* node;  // kStruct, kMap or kArray; nullptr: untyped (map[string]interface{})
    bool array;
    size_t count = 0;                    // members or elements so far
    uint64_t bits[2] = {0, 0};           // struct: declared fields seen, by index
    std::vector<std::string_view> keys;  // map or untyped: keys seen, while few
    std::unique_ptr<std::unordered_set<std::string_view>> key_set;  // once many
  };

  // One member or element of the innermost container, or its end. False: stop scanning.
  bool Step() {
    SkipWs();
    if (pos_ >= s_.size()) return false;
    Frame& f = frames_.back();
    char c = s_[pos_];
    if (c == (f.array ? ']' : '}')) {
      ++pos_;
      frames_.pop_back();
      if (!path_.empty() && path_.size() == frames_.size()) path_.pop_back();
      return true;
    }
    if (f.count > 0) {
      if (c != ',') return false;
      ++pos_;
      SkipWs();
      if (pos_ >= s_.size()) return false;
    }
    size_t index = f.count++;
    if (f.array) return Value(f.node == nullptr ? nullptr : f.node->elem, Index(index));

    std::string_view key;
    if (s_[pos_] != '"' || !ReadString(key)) return false;
    SkipWs();
    if (pos_ >= s_.size() || s_[pos_] != ':') return false;
    ++pos_;
    SkipWs();
    if (pos_ >= s_.size()) return false;

    if (f.node == nullptr || f.node->type == Node::Type::kMap) {
      if (SeenKey(f, key)) Report(Problem::Kind::kDuplicate, key);
      return Value(f.node == nullptr ? nullptr : f.node->elem, Key(key));
    }
    const Field* field = f.node->Find(key);
    if (field == nullptr) {
      // Go skips an unknown field's value without looking inside it.
      if (!f.node->preserve) Report(Problem::Kind::kUnknown, key);
      return SkipValue();
    }
    size_t i = static_cast<size_t>(field - f.node->fields.data());
    if (i < kMaxStructFields) {
      uint64_t bit = uint64_t{1} << (i % 64);
      if (f.bits[i / 64] & bit) {
        Report(Problem::Kind::kDuplicate, key);
      } else {
        f.bits[i / 64] |= bit;
      }
    }
    return Value(field->node, Key(key));
  }

  // The value at pos_: entered when it is a container the node decodes member by member,
  // skipped otherwise (scalars, custom unmarshalers, type mismatches Go rejects elsewhere).
  bool Value(const Node* node, Segment seg) {
    bool untyped = node == nullptr || node->type == Node::Type::kUntyped;
    char c = s_[pos_];
    bool enter = (c == '{' && (untyped || node->type == Node::Type::kStruct ||
                               node->type == Node::Type::kMap)) ||
                 (c == '[' && (untyped || node->type == Node::Type::kArray));
    if (!enter) return SkipValue();
    if (frames_.size() >= kMaxDepth) return false;
    if (!frames_.empty()) path_.push_back(seg);
    frames_.push_back(Frame{untyped ? nullptr : node, c == '['});
    ++pos_;
    return true;
  }

  bool SeenKey(Frame& f, std::string_view key) {
    if (f.key_set) return !f.key_set->insert(key).second;
    for (std::string_view k : f.keys) {
      if (k == key) return true;
    }
    f.keys.push_back(key);
    if (f.keys.size() > kLinearKeys) {
      f.key_set =
          std::make_unique<std::unordered_set<std::string_view>>(f.keys.begin(), f.keys.end());
      f.keys.clear();
    }
    return false;
  }

  void Report(Problem::Kind kind, std::string_view key) {
    if (problems_.size() >= kMaxProblems) return;
    Problem p{kind, PathOf(path_, key)};
    std::string id = (kind == Problem::Kind::kUnknown ? "u" : "d") + p.path;
    if (reported_.insert(std::move(id)).second) problems_.push_back(std::move(p));
  }

  void SkipWs() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // At '"': moves past the closing quote; `escaped` says whether the body had backslashes.
  bool SkipString(bool* escaped = nullptr) {
    ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (escaped != nullptr) *escaped = true;
        ++pos_;
      }
      ++pos_;
    }
    return false;
  }

  bool ReadString(std::string_view& out) {
    size_t start = pos_ + 1;
    bool escaped = false;
    if (!SkipString(&escaped)) return false;
    std::string_view raw = s_.substr(start, pos_ - 1 - start);
    out = escaped ? std::string_view(unescaped_.emplace_back(Unescape(raw))) : raw;
    return true;
  }

  bool SkipValue() {
    char c = s_[pos_];
    if (c == '"') return SkipString();
    if (c == '{' || c == '[') {
      size_t depth = 0;
      while (pos_ < s_.size()) {
        char d = s_[pos_];
        if (d == '"') {
          if (!SkipString()) return false;
          continue;
        }
        ++pos_;
        if (d == '{' || d == '[') {
          ++depth;
        } else if ((d == '}' || d == ']') && --depth == 0) {
          return true;
        }
      }
      return false;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && std::strchr(",}] \t\r\n", s_[pos_]) == nullptr) ++pos_;
    return pos_ > start;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::vector<Frame> frames_;
  std::vector<Segment> path_;          // path_[i] leads from frames_[i] into frames_[i + 1]
  std::deque<std::string> unescaped_;  // keys that had escapes (stable for the views above)
  std::vector<Problem> problems_;
  std::unordered_set<std::string> reported_;
};

}  // namespace

std::vector<Problem> ScanStrict(std::string_view text, const Node* root) {
  return Scanner(text).Run(root);
}

}  // namespace waygate::fieldcheck::internal

#include "selector/label_selector.h"

#include <algorithm>
#include <set>

#include "selector/label_lexer.h"

namespace waygate::selector {
namespace {

void SortByKey(std::vector<Requirement>& reqs) {
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key() < b.key(); });
}

// Go's labels.Parser: all tokens are scanned first, then a recursive descent with one token of
// lookahead. In value position the keywords "in" and "notin" are plain identifiers.
class Parser {
 public:
  explicit Parser(std::string_view text) {
    Lexer lexer(text);
    while (true) {
      items_.push_back(lexer.Lex());
      if (items_.back().tok == Token::kEndOfString) break;
    }
  }

  // The message of the first error, or "" with `out` filled.
  std::string Parse(std::vector<Requirement>& out) {
    while (true) {
      const ScannedItem& item = Lookahead();
      switch (ValueToken(item.tok)) {
        case Token::kIdentifier:
        case Token::kDoesNotExist: {
          std::string err = ParseRequirement(out);
          if (!err.empty()) return "unable to parse requirement: " + err;
          const ScannedItem& next = Consume();
          if (next.tok == Token::kEndOfString) return {};
          if (next.tok != Token::kComma) {
            return "found '" + next.literal + "', expected: ',' or 'end of string'";
          }
          const ScannedItem& after = Lookahead();
          Token t = ValueToken(after.tok);
          if (t != Token::kIdentifier && t != Token::kDoesNotExist) {
            return "found '" + after.literal + "', expected: identifier after ','";
          }
          break;
        }
        case Token::kEndOfString:
          return {};
        default:
          return "found '" + item.literal + "', expected: !, identifier, or 'end of string'";
      }
    }
  }

 private:
  static Token ValueToken(Token t) {
    return (t == Token::kIn || t == Token::kNotIn) ? Token::kIdentifier : t;
  }
  // scan() stops at the end token, and the grammar never consumes past it.
  const ScannedItem& Lookahead() const { return items_[std::min(pos_, items_.size() - 1)]; }
  const ScannedItem& Consume() {
    const ScannedItem& item = Lookahead();
    ++pos_;
    return item;
  }

  std::string ParseRequirement(std::vector<Requirement>& out) {
    // parseKeyAndInferOperator
    std::optional<Operator> op;
    const ScannedItem* item = &Consume();
    if (item->tok == Token::kDoesNotExist) {
      op = Operator::kDoesNotExist;
      item = &Consume();
    }
    if (ValueToken(item->tok) != Token::kIdentifier) {
      return "found '" + item->literal + "', expected: identifier";
    }
    std::string key = item->literal;
    if (std::string e = internal::ValidateLabelKey(key, ""); !e.empty()) return e;
    Token next = ValueToken(Lookahead().tok);
    if ((next == Token::kEndOfString || next == Token::kComma) && !op) op = Operator::kExists;

    std::vector<std::string> values;
    if (!op) {
      // parseOperator: here "in" and "notin" are keywords.
      const ScannedItem& o = Consume();
      switch (o.tok) {
        case Token::kIn:
          op = Operator::kIn;
          break;
        case Token::kEquals:
          op = Operator::kEquals;
          break;
        case Token::kDoubleEquals:
          op = Operator::kDoubleEquals;
          break;
        case Token::kGreaterThan:
          op = Operator::kGreaterThan;
          break;
        case Token::kLessThan:
          op = Operator::kLessThan;
          break;
        case Token::kNotIn:
          op = Operator::kNotIn;
          break;
        case Token::kNotEquals:
          op = Operator::kNotEquals;
          break;
        default:
          return "found '" + o.literal + "', expected: in, notin, =, ==, !=, gt, lt";
      }
      std::set<std::string> set;
      std::string err = (*op == Operator::kIn || *op == Operator::kNotIn) ? ParseValues(set)
                                                                          : ParseExactValue(set);
      if (!err.empty()) return err;
      values.assign(set.begin(), set.end());  // sets.String.List(): sorted, no duplicates
    }
    Result<Requirement> r = Requirement::Create(std::move(key), *op, std::move(values));
    if (!r.ok()) return r.error().message;
    out.push_back(std::move(r).value());
    return {};
  }

  std::string ParseValues(std::set<std::string>& set) {
    const ScannedItem& open = Consume();
    if (ValueToken(open.tok) != Token::kOpenPar) {
      return "found '" + open.literal + "' expected: '('";
    }
    const ScannedItem& first = Lookahead();
    switch (ValueToken(first.tok)) {
      case Token::kIdentifier:
      case Token::kComma: {
        std::string err = ParseIdentifiersList(set);
        if (!err.empty()) return err;
        // Go reports the token after '(' here, not the one found; kept for identical messages.
        if (ValueToken(Consume().tok) != Token::kClosedPar) {
          return "found '" + first.literal + "', expected: ')'";
        }
        return {};
      }
      case Token::kClosedPar:  // "()" is the set {""}
        Consume();
        set.insert("");
        return {};
      default:
        return "found '" + first.literal + "', expected: ',', ')' or identifier";
    }
  }

  // A possibly empty list of possibly empty identifiers: "(a,,b)", "(,a)", "(a,)".
  std::string ParseIdentifiersList(std::set<std::string>& set) {
    while (true) {
      const ScannedItem& item = Consume();
      switch (ValueToken(item.tok)) {
        case Token::kIdentifier: {
          set.insert(item.literal);
          const ScannedItem& next = Lookahead();
          switch (ValueToken(next.tok)) {
            case Token::kComma:
              continue;
            case Token::kClosedPar:
              return {};
            default:
              return "found '" + next.literal + "', expected: ',' or ')'";
          }
        }
        case Token::kComma: {
          if (set.empty()) set.insert("");  // "(,"
          Token next = ValueToken(Lookahead().tok);
          if (next == Token::kClosedPar) {
            set.insert("");  // ",)"
            return {};
          }
          if (next == Token::kComma) {
            Consume();
            set.insert("");  // ",,"
          }
          break;
        }
        default:
          return "found '" + item.literal + "', expected: ',', or identifier";
      }
    }
  }

  std::string ParseExactValue(std::set<std::string>& set) {
    Token next = ValueToken(Lookahead().tok);
    if (next == Token::kEndOfString || next == Token::kComma) {
      set.insert("");  // "x=" selects the empty value
      return {};
    }
    const ScannedItem& item = Consume();
    if (ValueToken(item.tok) == Token::kIdentifier) {
      set.insert(item.literal);
      return {};
    }
    return "found '" + item.literal + "', expected: identifier";
  }

  std::vector<ScannedItem> items_;
  size_t pos_ = 0;
};

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  std::vector<Requirement> reqs;
  std::string err = Parser(text).Parse(reqs);
  if (!err.empty()) return MakeError(ErrorCode::kInvalid, std::move(err));
  SortByKey(reqs);
  return LabelSelector(std::move(reqs), false);
}

LabelSelector LabelSelector::FromSet(const Labels& set) {
  std::vector<Requirement> reqs;
  reqs.reserve(set.size());
  for (const auto& [k, v] : set) reqs.push_back(Requirement::Unchecked(k, Operator::kEquals, {v}));
  return LabelSelector(std::move(reqs), false);  // std::map iterates in key order
}

LabelSelector LabelSelector::FromRequirements(std::vector<Requirement> reqs) {
  SortByKey(reqs);
  return LabelSelector(std::move(reqs), false);
}

bool LabelSelector::Matches(const Labels& labels) const {
  if (nothing_) return false;
  for (const Requirement& r : reqs_) {
    if (!r.Matches(labels)) return false;
  }
  return true;
}

std::string LabelSelector::String() const {
  std::string out;
  for (size_t i = 0; i < reqs_.size(); ++i) {
    if (i > 0) out += ',';
    out += reqs_[i].String();
  }
  return out;
}

std::optional<std::string> LabelSelector::RequiresExactMatch(std::string_view key) const {
  for (const Requirement& r : reqs_) {
    if (r.key() != key) continue;
    switch (r.op()) {
      case Operator::kEquals:
      case Operator::kDoubleEquals:
      case Operator::kIn:
        if (r.values().size() == 1) return r.values()[0];
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace waygate::selector

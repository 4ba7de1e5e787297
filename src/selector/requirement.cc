#include "selector/requirement.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "model/field_path.h"
#include "model/names.h"

namespace waygate::selector {
namespace {

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// field.Path rendering where "" stands for the nil path.
std::string Child(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return std::string(path) + "." + std::string(name);
}

std::string InvalidError(std::string_view path, std::string_view quoted_value,
                         std::string_view detail) {
  return std::string(path.empty() ? "<nil>" : path) +
         ": Invalid value: " + std::string(quoted_value) + ": " + std::string(detail);
}

// Go's %#v of a []string, as field.Invalid prints a value list.
std::string GoStringSlice(const std::vector<std::string>& values) {
  if (values.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += model::Quote(values[i]);
  }
  return out + "}";
}

}  // namespace

namespace internal {

std::string ValidateLabelKey(std::string_view key, std::string_view path) {
  model::Messages msgs = model::IsLabelKey(key);
  if (msgs.empty()) return {};
  return InvalidError(path, model::Quote(key), Join(msgs, "; "));
}

std::string Aggregate(const std::vector<std::string>& errs) {
  std::vector<std::string> seen;
  for (const std::string& e : errs) {
    if (std::find(seen.begin(), seen.end(), e) == seen.end()) seen.push_back(e);
  }
  if (seen.size() == 1) return seen[0];
  return "[" + Join(seen, ", ") + "]";
}

bool ParseInt64(std::string_view s, long long& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  // Parse the magnitude as unsigned so that -9223372036854775808 is accepted, as in Go.
  unsigned long long mag = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), mag);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  constexpr unsigned long long kMax = 9223372036854775807ULL;
  if (negative) {
    if (mag > kMax + 1) return false;
    out = mag == kMax + 1 ? static_cast<long long>(-kMax - 1) : -static_cast<long long>(mag);
  } else {
    if (mag > kMax) return false;
    out = static_cast<long long>(mag);
  }
  return true;
}

}  // namespace internal

std::string_view OperatorName(Operator op) {
  switch (op) {
    case Operator::kIn:
      return "in";
    case Operator::kNotIn:
      return "notin";
    case Operator::kEquals:
      return "=";
    case Operator::kDoubleEquals:
      return "==";
    case Operator::kNotEquals:
      return "!=";
    case Operator::kExists:
      return "exists";
    case Operator::kDoesNotExist:
      return "!";
    case Operator::kGreaterThan:
      return "gt";
    case Operator::kLessThan:
      return "lt";
  }
  return "";
}

Result<Requirement> Requirement::Create(std::string key, Operator op,
                                        std::vector<std::string> values, std::string_view path) {
  std::vector<std::string> errs;
  if (std::string e = internal::ValidateLabelKey(key, Child(path, "key")); !e.empty()) {
    errs.push_back(std::move(e));
  }
  const std::string value_path = Child(path, "values");
  switch (op) {
    case Operator::kIn:
    case Operator::kNotIn:
      if (values.empty()) {
        errs.push_back(InvalidError(value_path, GoStringSlice(values),
                                    "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case Operator::kEquals:
    case Operator::kDoubleEquals:
    case Operator::kNotEquals:
      if (values.size() != 1) {
        errs.push_back(InvalidError(value_path, GoStringSlice(values),
                                    "exact-match compatibility requires one single value"));
      }
      break;
    case Operator::kExists:
    case Operator::kDoesNotExist:
      if (!values.empty()) {
        errs.push_back(InvalidError(value_path, GoStringSlice(values),
                                    "values set must be empty for exists and does not exist"));
      }
      break;
    case Operator::kGreaterThan:
    case Operator::kLessThan:
      if (values.size() != 1) {
        errs.push_back(InvalidError(value_path, GoStringSlice(values),
                                    "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        long long ignored = 0;
        if (!internal::ParseInt64(values[i], ignored)) {
          errs.push_back(InvalidError(value_path + "[" + std::to_string(i) + "]",
                                      model::Quote(values[i]),
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    model::Messages msgs = model::IsLabelValue(values[i]);
    if (!msgs.empty()) {
      errs.push_back(InvalidError(value_path + "[" + std::to_string(i) + "][" + key + "]",
                                  model::Quote(values[i]), Join(msgs, "; ")));
    }
  }
  if (!errs.empty()) return MakeError(ErrorCode::kInvalid, internal::Aggregate(errs));
  return Requirement(std::move(key), op, std::move(values));
}

bool Requirement::HasValue(std::string_view v) const {
  return std::find(values_.begin(), values_.end(), v) != values_.end();
}

bool Requirement::Matches(const Labels& labels) const {
  auto it = labels.find(key_);
  const bool has = it != labels.end();
  switch (op_) {
    case Operator::kIn:
    case Operator::kEquals:
    case Operator::kDoubleEquals:
      return has && HasValue(it->second);
    case Operator::kNotIn:
    case Operator::kNotEquals:
      // A label that is absent is "not equal": kubectl get -l 'env!=prod' lists unlabelled objects.
      return !has || !HasValue(it->second);
    case Operator::kExists:
      return has;
    case Operator::kDoesNotExist:
      return !has;
    case Operator::kGreaterThan:
    case Operator::kLessThan: {
      if (!has || values_.size() != 1) return false;
      long long have = 0;
      long long want = 0;
      if (!internal::ParseInt64(it->second, have) || !internal::ParseInt64(values_[0], want)) {
        return false;
      }
      return op_ == Operator::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

std::string Requirement::String() const {
  std::string out;
  if (op_ == Operator::kDoesNotExist) out += '!';
  out += key_;
  switch (op_) {
    case Operator::kEquals:
      out += "=";
      break;
    case Operator::kDoubleEquals:
      out += "==";
      break;
    case Operator::kNotEquals:
      out += "!=";
      break;
    case Operator::kIn:
      out += " in ";
      break;
    case Operator::kNotIn:
      out += " notin ";
      break;
    case Operator::kGreaterThan:
      out += ">";
      break;
    case Operator::kLessThan:
      out += "<";
      break;
    case Operator::kExists:
    case Operator::kDoesNotExist:
      return out;
  }
  const bool set = op_ == Operator::kIn || op_ == Operator::kNotIn;
  if (set) out += '(';
  if (values_.size() == 1) {
    out += values_[0];
  } else {
    std::vector<std::string> sorted = values_;
    std::sort(sorted.begin(), sorted.end());
    out += Join(sorted, ",");
  }
  if (set) out += ')';
  return out;
}

}  // namespace waygate::selector

// One label requirement (key, operator, values) with the rules and error wording of
// k8s.io/apimachinery/pkg/labels.NewRequirement and the matching of Requirement.Matches.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::selector {

using Labels = std::map<std::string, std::string>;

enum class Operator {
  kIn,
  kNotIn,
  kEquals,        // "="
  kDoubleEquals,  // "=="
  kNotEquals,     // "!="
  kExists,
  kDoesNotExist,  // "!key"
  kGreaterThan,   // ">": both sides integers
  kLessThan,      // "<"
};

// Go's selection.Operator spelling ("in", "notin", "=", "==", "!=", "exists", "!", "gt", "lt").
std::string_view OperatorName(Operator op);

class Requirement {
 public:
  // NewRequirement: the key must be a qualified name, each value a label value; In/NotIn need
  // at least one value, =/==/!= and Gt/Lt exactly one (Gt/Lt an integer), Exists/DoesNotExist
  // none. `path` prefixes the error paths ("" renders as Go's nil path: "key", "values[0][k]").
  // Every problem is reported, aggregated as Go prints an aggregate ("[a, b]" when several).
  static Result<Requirement> Create(std::string key, Operator op, std::vector<std::string> values,
                                    std::string_view path = {});

  // No checks, for input validated elsewhere (SelectorFromValidatedSet).
  static Requirement Unchecked(std::string key, Operator op, std::vector<std::string> values) {
    return Requirement(std::move(key), op, std::move(values));
  }

  bool Matches(const Labels& labels) const;
  // "key in (a,b)", "key!=v", "!key"; set values sorted, as apimachinery prints them.
  std::string String() const;

  const std::string& key() const { return key_; }
  Operator op() const { return op_; }
  const std::vector<std::string>& values() const { return values_; }

  friend bool operator==(const Requirement&, const Requirement&) = default;

 private:
  Requirement(std::string key, Operator op, std::vector<std::string> values)
      : key_(std::move(key)), op_(op), values_(std::move(values)) {}
  bool HasValue(std::string_view v) const;

  std::string key_;
  Operator op_ = Operator::kExists;
  std::vector<std::string> values_;
};

namespace internal {
// field.Invalid(path, value, strings.Join(IsQualifiedName(key), "; ")).Error(), or "" when
// the key is valid. An empty path renders as Go's nil path, "<nil>".
std::string ValidateLabelKey(std::string_view key, std::string_view path);
// utilerrors.NewAggregate(errs).Error(): duplicates dropped, "[a, b]" when more than one.
std::string Aggregate(const std::vector<std::string>& errs);
// strconv.ParseInt(s, 10, 64) succeeds.
bool ParseInt64(std::string_view s, long long& out);
}  // namespace internal

}  // namespace waygate::selector

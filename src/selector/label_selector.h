// Label selectors as kube-apiserver parses, prints and matches them
// (k8s.io/apimachinery/pkg/labels: Parse, internalSelector, Everything, Nothing).
//
//   <selector>    ::= <requirement> | <requirement> "," <selector>
//   <requirement> ::= [!] KEY [ <set> | <exact> ]
//   <set>         ::= ("in" | "notin") "(" VALUE { "," VALUE } ")"
//   <exact>       ::= ("=" | "==" | "!=" | ">" | "<") VALUE
//
// `env!=prod` and `env notin (prod)` match objects without the label; `env in (a)` requires it;
// `x in ()` is the set {""}; the empty string matches everything.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "selector/requirement.h"

namespace waygate::selector {

class LabelSelector {
 public:
  // Errors carry apimachinery's message in Error::message (ErrorCode::kInvalid, no field), e.g.
  // `unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt`; the API
  // answers them as a 400 BadRequest Status with that message.
  static Result<LabelSelector> Parse(std::string_view text);
  static LabelSelector Everything() { return LabelSelector({}, false); }
  // Matches nothing (a nil metav1.LabelSelector); Empty() is false and String() is "".
  static LabelSelector Nothing() { return LabelSelector({}, true); }
  // SelectorFromValidatedSet: key=value for each entry (a Service's spec.selector); no checks.
  static LabelSelector FromSet(const Labels& set);
  // Sorted by key, as Selector.Add does.
  static LabelSelector FromRequirements(std::vector<Requirement> reqs);

  bool Matches(const Labels& labels) const;
  bool Empty() const { return !nothing_ && reqs_.empty(); }
  bool MatchesNothing() const { return nothing_; }
  // Requirements sorted by key and joined with ",": "a=b,x in (c,d),!y".
  std::string String() const;
  // The single value `key` must have (=, == or a one-value in), if the selector says so.
  std::optional<std::string> RequiresExactMatch(std::string_view key) const;
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  LabelSelector(std::vector<Requirement> reqs, bool nothing)
      : reqs_(std::move(reqs)), nothing_(nothing) {}

  std::vector<Requirement> reqs_;  // sorted by key (stable: equal keys keep their order)
  bool nothing_ = false;
};

}  // namespace waygate::selector

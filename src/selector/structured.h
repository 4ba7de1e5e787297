// metav1.LabelSelector, the structured selector objects carry (matchLabels + matchExpressions
// with In, NotIn, Exists, DoesNotExist): validated with the rules and wording of
// apimachinery's ValidateLabelSelector and converted as LabelSelectorAsSelector does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "model/field_path.h"
#include "selector/label_selector.h"

namespace waygate::selector {

// Appends every problem of `selector` (the JSON at `path`, e.g. "spec.selector") to `errs`:
//   spec.selector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator
//   spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is
//   'In' or 'NotIn' spec.selector.matchLabels: Invalid value: "a b": name part must consist of ...
// JSON of the wrong type is reported as model's decoder does ("Invalid type: expected ...").
// null is valid (no selector). Unknown members are ignored (the decoder's strictness applies).
void ValidateLabelSelectorJson(const nlohmann::json& selector, const model::FieldPath& path,
                               model::ErrorList& errs);

// Validates, then converts: null -> Nothing() (a nil selector selects nothing), {} and empty
// lists -> Everything(). On failure the first error, with its field path.
Result<LabelSelector> LabelSelectorFromJson(const nlohmann::json& selector,
                                            const model::FieldPath& path);

// metav1.FormatLabelSelector, for `kubectl describe`-style text: "<none>" when empty,
// "<error>" when invalid.
std::string FormatLabelSelectorJson(const nlohmann::json& selector);

}  // namespace waygate::selector

// Field selectors as kube-apiserver parses and matches them (k8s.io/apimachinery/pkg/fields:
// ParseSelector, then Transform through the kind's field-label conversion).
//
// Terms are split on unescaped ',', sorted, and each split at its first "!=", "==" or "=".
// The field name is taken verbatim (no trimming); the value is unescaped: "\\", "\,", "\=".
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::selector {

struct FieldRequirement {
  std::string field;
  bool equals = true;  // "=" and "==" (true) or "!=" (false)
  std::string value;   // unescaped
  friend bool operator==(const FieldRequirement&, const FieldRequirement&) = default;
};

class FieldSelector {
 public:
  // The fields every kind supports; with exactly these, an unknown field is reported with
  // runtime.DefaultMetaV1FieldSelectorConversion's wording:
  //   "foo" is not a known field selector: only "metadata.name", "metadata.namespace"
  // With any other set (a kind with its own conversion, e.g. Secret adds "type") it is
  // `field label not supported: foo`, as the core kinds say. An empty set accepts any field.
  static const std::set<std::string>& MetadataFields();

  // Errors are ErrorCode::kInvalid with the apimachinery message (API: 400 BadRequest).
  static Result<FieldSelector> Parse(std::string_view text,
                                     const std::set<std::string>& supported_fields);

  // `get` returns a field's value, or nullopt when the object has none (compared as "", as
  // a fields.Set does: `metadata.namespace=` matches cluster-scoped objects).
  bool Matches(const std::function<std::optional<std::string>(std::string_view field)>& get) const;
  bool Empty() const { return terms_.empty(); }
  // "metadata.name=a\,b,metadata.namespace!=x": terms in sorted order, "==" printed as "=".
  std::string String() const;
  std::optional<std::string> RequiresExactMatch(std::string_view field) const;
  const std::vector<FieldRequirement>& requirements() const { return terms_; }

 private:
  explicit FieldSelector(std::vector<FieldRequirement> terms) : terms_(std::move(terms)) {}
  std::vector<FieldRequirement> terms_;
};

// fields.EscapeValue / UnescapeValue.
std::string EscapeFieldValue(std::string_view value);
Result<std::string> UnescapeFieldValue(std::string_view value);

}  // namespace waygate::selector

#include "selector/structured.h"

#include "model/json_read.h"
#include "model/names.h"

namespace waygate::selector {
namespace {

using Json = nlohmann::json;

// Same wording for JSON type errors as the decoder of objects.
using model::json_read::TypeName;

// The member `key`, or nullptr when absent or null.
const Json* Member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// A []string member; false (and an error) when it is not an array of strings.
bool StringList(const Json& obj, const char* key, const model::FieldPath& path,
                model::ErrorList& errs, std::vector<std::string>& out) {
  const Json* v = Member(obj, key);
  if (v == nullptr) return true;
  const model::FieldPath field = path.Child(key);
  if (!v->is_array()) {
    errs.WrongType(field, "array", TypeName(*v));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      errs.WrongType(field.Index(i), "string", TypeName(item));
      ok = false;
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  return ok;
}

bool StringMember(const Json& obj, const char* key, const model::FieldPath& path,
                  model::ErrorList& errs, std::string& out) {
  const Json* v = Member(obj, key);
  if (v == nullptr) return true;
  if (!v->is_string()) {
    errs.WrongType(path.Child(key), "string", TypeName(*v));
    return false;
  }
  out = v->get<std::string>();
  return true;
}

Operator ToOperator(const std::string& op) {
  if (op == "In") return Operator::kIn;
  if (op == "NotIn") return Operator::kNotIn;
  if (op == "Exists") return Operator::kExists;
  return Operator::kDoesNotExist;  // callers validated the operator
}

void ValidateExpression(const Json& expr, const model::FieldPath& path, model::ErrorList& errs) {
  if (!expr.is_object()) {
    errs.WrongType(path, "object", TypeName(expr));
    return;
  }
  std::string key, op;
  std::vector<std::string> values;
  bool typed = StringMember(expr, "key", path, errs, key);
  typed = StringMember(expr, "operator", path, errs, op) && typed;
  typed = StringList(expr, "values", path, errs, values) && typed;
  if (!typed) return;

  const model::FieldPath values_path = path.Child("values");
  if (op == "In" || op == "NotIn") {
    if (values.empty()) {
      errs.Required(values_path, "must be specified when `operator` is 'In' or 'NotIn'");
    }
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (!values.empty()) {
      errs.Forbidden(values_path,
                     "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    }
  } else {
    errs.Invalid(path.Child("operator"), op, "not a valid selector operator");
  }
  errs.InvalidEach(path.Child("key"), key, model::IsLabelKey(key));
  for (size_t i = 0; i < values.size(); ++i) {
    errs.InvalidEach(values_path.Index(i), values[i], model::IsLabelValue(values[i]));
  }
}

}  // namespace

void ValidateLabelSelectorJson(const Json& selector, const model::FieldPath& path,
                               model::ErrorList& errs) {
  if (selector.is_null()) return;
  if (!selector.is_object()) {
    errs.WrongType(path, "object", TypeName(selector));
    return;
  }
  if (const Json* labels = Member(selector, "matchLabels")) {
    const model::FieldPath labels_path = path.Child("matchLabels");
    if (!labels->is_object()) {
      errs.WrongType(labels_path, "object", TypeName(*labels));
    } else {
      // ValidateLabels names the map, not the entry, in its errors.
      for (const auto& [k, v] : labels->items()) {
        if (!v.is_string()) {
          errs.WrongType(labels_path.Key(k), "string", TypeName(v));
          continue;
        }
        errs.InvalidEach(labels_path, k, model::IsLabelKey(k));
        const std::string& value = v.get_ref<const std::string&>();
        errs.InvalidEach(labels_path, value, model::IsLabelValue(value));
      }
    }
  }
  if (const Json* exprs = Member(selector, "matchExpressions")) {
    const model::FieldPath exprs_path = path.Child("matchExpressions");
    if (!exprs->is_array()) {
      errs.WrongType(exprs_path, "array", TypeName(*exprs));
    } else {
      for (size_t i = 0; i < exprs->size(); ++i) {
        ValidateExpression((*exprs)[i], exprs_path.Index(i), errs);
      }
    }
  }
}

Result<LabelSelector> LabelSelectorFromJson(const Json& selector, const model::FieldPath& path) {
  model::ErrorList errs;
  ValidateLabelSelectorJson(selector, path, errs);
  if (!errs.empty()) return errs.errors().front();
  if (selector.is_null()) return LabelSelector::Nothing();

  std::vector<Requirement> reqs;
  if (const Json* labels = Member(selector, "matchLabels")) {
    for (const auto& [k, v] : labels->items()) {
      reqs.push_back(Requirement::Unchecked(k, Operator::kEquals, {v.get<std::string>()}));
    }
  }
  if (const Json* exprs = Member(selector, "matchExpressions")) {
    for (const Json& expr : *exprs) {
      std::vector<std::string> values;
      if (const Json* v = Member(expr, "values")) values = v->get<std::vector<std::string>>();
      // Validation proved "key" and "operator" are non-empty strings.
      Result<Requirement> r = Requirement::Create(
          Member(expr, "key")->get<std::string>(),
          ToOperator(Member(expr, "operator")->get<std::string>()), std::move(values));
      // Validation above enforces every rule NewRequirement checks.
      if (!r.ok()) return r.error();
      reqs.push_back(std::move(r).value());
    }
  }
  return LabelSelector::FromRequirements(std::move(reqs));
}

std::string FormatLabelSelectorJson(const Json& selector) {
  Result<LabelSelector> s = LabelSelectorFromJson(selector, model::FieldPath());
  if (!s.ok()) return "<error>";
  std::string text = s->String();
  return text.empty() ? "<none>" : text;
}

}  // namespace waygate::selector

// Written here rather than using nlohmann::json::patch(), which does not follow RFC 6902 exactly:
// it turns a null parent into an object ("add /a/b" on {"a":null} succeeds, RFC 6902 4.1 says the
// parent must exist as an object or array), asserts on a scalar parent, and its messages are
// nlohmann's rather than the ones Kubernetes users see.
#include "patch/json_patch.h"

#include <string>
#include <utility>

#include "patch/json_pointer.h"

namespace waygate::patch {
namespace {

using nlohmann::json;

Error NotApplicable(std::string message) {
  return MakeError(ErrorCode::kConflict, std::move(message));
}

Error MissingPath(const std::string& op, const std::string& path) {
  return NotApplicable(op + " operation does not apply: doc is missing path: \"" + path +
                       "\": missing value");
}

Error InvalidIndex(const std::string& op, const std::string& path, const std::string& token) {
  return NotApplicable("error in " + op + " for path: '" + path +
                       "': Unable to access invalid index: " + token +
                       ": invalid index referenced");
}

// Follows tokens [0, count) from `doc`; nullptr if any step does not exist. "-" never exists.
json* Find(json& doc, const JsonPointer& pointer, size_t count) {
  json* node = &doc;
  for (size_t i = 0; i < count; ++i) {
    const std::string& token = pointer.tokens[i];
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      size_t index = 0;
      if (!ParseArrayIndex(token, &index) || index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

json* FindTarget(json& doc, const JsonPointer& pointer) {
  return Find(doc, pointer, pointer.tokens.size());
}

Status Add(json& doc, const JsonPointer& path, const std::string& path_text, json value,
           const std::string& op = "add") {
  if (path.IsRoot()) {
    doc = std::move(value);
    return OkStatus();
  }
  json* parent = Find(doc, path, path.tokens.size() - 1);
  if (parent == nullptr || !parent->is_structured()) return MissingPath(op, path_text);
  const std::string& last = path.tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return OkStatus();
  }
  if (last == "-") {
    parent->push_back(std::move(value));
    return OkStatus();
  }
  size_t index = 0;
  if (!ParseArrayIndex(last, &index) || index > parent->size()) {
    return InvalidIndex(op, path_text, last);
  }
  parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
  return OkStatus();
}

Status Remove(json& doc, const JsonPointer& path, const std::string& path_text,
              const std::string& op = "remove") {
  if (path.IsRoot()) {
    return NotApplicable(op + " operation does not apply: cannot remove the whole document");
  }
  json* parent = Find(doc, path, path.tokens.size() - 1);
  if (parent == nullptr || !parent->is_structured()) return MissingPath(op, path_text);
  const std::string& last = path.tokens.back();
  if (parent->is_object()) {
    if (parent->erase(last) == 0) {
      return NotApplicable("error in " + op + " for path: '" + path_text +
                           "': Unable to remove nonexistent key: " + last + ": missing value");
    }
    return OkStatus();
  }
  size_t index = 0;
  if (!ParseArrayIndex(last, &index) || index >= parent->size()) {
    return InvalidIndex(op, path_text, last);
  }
  parent->erase(static_cast<size_t>(index));
  return OkStatus();
}

// Reads a string member that the operation requires ("path", "from").
Result<std::string> StringMember(const json& operation, const char* name, const std::string& op) {
  auto it = operation.find(name);
  if (it == operation.end() || it->is_null()) {
    return NotApplicable(op + " operation, missing " + name + " field: missing value");
  }
  if (!it->is_string()) {
    return NotApplicable(op + " operation: \"" + name + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<JsonPointer> PointerMember(const json& operation, const char* name, const std::string& op,
                                  std::string* text) {
  auto member = StringMember(operation, name, op);
  if (!member.ok()) return member.error();
  *text = std::move(member.value());
  auto pointer = ParseJsonPointer(*text);
  if (!pointer.ok()) return NotApplicable(op + " operation: " + pointer.error().message);
  return std::move(pointer.value());
}

Status ApplyOne(json& doc, const json& operation) {
  auto op_it = operation.find("op");
  const std::string op =
      (op_it != operation.end() && op_it->is_string()) ? op_it->get<std::string>() : "unknown";
  if (op != "add" && op != "remove" && op != "replace" && op != "move" && op != "copy" &&
      op != "test") {
    return NotApplicable("Unexpected kind: " + op);
  }
  std::string path_text;
  auto path = PointerMember(operation, "path", op, &path_text);
  if (!path.ok()) return path.error();

  auto value_it = operation.find("value");
  const bool needs_value = op == "add" || op == "replace" || op == "test";
  if (needs_value && value_it == operation.end()) {
    return NotApplicable(op + " operation, missing value field: missing value");
  }

  if (op == "add") return Add(doc, *path, path_text, *value_it);
  if (op == "remove") return Remove(doc, *path, path_text);
  if (op == "replace") {
    json* target = FindTarget(doc, *path);
    if (target == nullptr) {
      return NotApplicable("replace operation does not apply: doc is missing key: " + path_text +
                           ": missing value");
    }
    *target = *value_it;
    return OkStatus();
  }
  if (op == "test") {
    json* target = FindTarget(doc, *path);
    if (target == nullptr) {
      return NotApplicable("test operation does not apply: is missing path: " + path_text +
                           ": missing value");
    }
    // nlohmann compares numbers by value across int/float, as RFC 6902 4.6 requires.
    if (*target != *value_it) {
      return NotApplicable("testing value " + path_text + " failed: test failed");
    }
    return OkStatus();
  }

  // move and copy
  std::string from_text;
  auto from = PointerMember(operation, "from", op, &from_text);
  if (!from.ok()) return from.error();
  json* source = FindTarget(doc, *from);
  if (source == nullptr) {
    return NotApplicable(op + " operation does not apply: doc is missing from path: " + from_text +
                         ": missing value");
  }
  if (op == "copy") return Add(doc, *path, path_text, *source, op);
  if (from->IsProperPrefixOf(*path)) {
    return NotApplicable("move operation does not apply: cannot move " + from_text +
                         " into its own child " + path_text);
  }
  if (from->tokens == path->tokens) return OkStatus();
  json value = std::move(*source);
  if (Status removed = Remove(doc, *from, from_text, op); !removed.ok()) return removed;
  return Add(doc, *path, path_text, std::move(value), op);
}

}  // namespace

Result<json> ApplyJsonPatch(const json& document, const json& patch) {
  if (!patch.is_array()) {
    return MakeError(ErrorCode::kInvalid, std::string("json: cannot unmarshal ") +
                                              patch.type_name() +
                                              " into Go value of type jsonpatch.Patch");
  }
  for (const json& operation : patch) {
    if (!operation.is_object()) {
      return MakeError(ErrorCode::kInvalid, std::string("json: cannot unmarshal ") +
                                                operation.type_name() +
                                                " into Go value of type jsonpatch.Operation");
    }
  }
  json result = document;
  for (const json& operation : patch) {
    if (Status applied = ApplyOne(result, operation); !applied.ok()) return applied.error();
  }
  return result;
}

}  // namespace waygate::patch

// FieldPath and ErrorList: Kubernetes-style field paths ("spec.rules[0].host") and the errors
// that name them, with the wording of k8s.io/apimachinery/pkg/util/validation/field.
//
// A FieldPath is a chain of stack frames pointing at their parent; it is rendered into a string
// only when an error is recorded, so walking a valid object builds no strings.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace waygate::model {

class FieldPath {
 public:
  FieldPath() = default;  // the root: renders as ""
  explicit FieldPath(std::string_view name) : name_(name), kind_(Kind::kChild) {}

  // The returned path refers to `*this` and to `name`/`key`: both must outlive it. Calling
  // these on a temporary would leave a dangling parent, so that does not compile: name each
  // level (`FieldPath http = rule.Child("http"); http.Child("paths")`).
  FieldPath Child(std::string_view name) const& { return FieldPath(this, Kind::kChild, name, 0); }
  FieldPath Index(size_t i) const& { return FieldPath(this, Kind::kIndex, {}, i); }
  FieldPath Key(std::string_view key) const& { return FieldPath(this, Kind::kKey, key, 0); }
  FieldPath Child(std::string_view) const&& = delete;
  FieldPath Index(size_t) const&& = delete;
  FieldPath Key(std::string_view) const&& = delete;

  std::string String() const;

 private:
  enum class Kind : uint8_t { kRoot, kChild, kIndex, kKey };
  FieldPath(const FieldPath* parent, Kind kind, std::string_view name, size_t index)
      : parent_(parent), name_(name), index_(index), kind_(kind) {}
  void Append(std::string& out) const;

  const FieldPath* parent_ = nullptr;
  std::string_view name_;
  size_t index_ = 0;
  Kind kind_ = Kind::kRoot;
};

// Collects validation errors; messages follow field.Error.ErrorBody().
class ErrorList {
 public:
  // `Invalid value: "Foo": <detail>`
  void Invalid(const FieldPath& path, std::string_view value, std::string_view detail);
  void InvalidInt(const FieldPath& path, int64_t value, std::string_view detail);
  // `Invalid value: <raw>: <detail>` for values Go prints without quotes (null, lists).
  void InvalidRaw(const FieldPath& path, std::string_view raw, std::string_view detail);
  // `Too many: 101: must have at most 100 items`
  void TooMany(const FieldPath& path, size_t actual, size_t max);
  // `Required value` or `Required value: <detail>`
  void Required(const FieldPath& path, std::string_view detail = {});
  // `Unsupported value: "Foo": supported values: "A", "B"`
  void NotSupported(const FieldPath& path, std::string_view value,
                    std::initializer_list<std::string_view> supported);
  void Duplicate(const FieldPath& path, std::string_view value);
  void Forbidden(const FieldPath& path, std::string_view detail);
  void TooLong(const FieldPath& path, size_t max_bytes);
  // Decoding: the JSON value has the wrong type (Go's "cannot unmarshal X into ... of type Y").
  void WrongType(const FieldPath& path, std::string_view want, std::string_view got);
  // Each message of a content check (IsDNS1123Subdomain & co.) becomes one Invalid error.
  void InvalidEach(const FieldPath& path, std::string_view value,
                   const std::vector<std::string>& messages);
  void Add(Error error) { errors_.push_back(std::move(error)); }

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::vector<Error>& errors() const { return errors_; }
  std::vector<Error> Take() { return std::move(errors_); }

 private:
  std::vector<Error> errors_;
};

// Go's %q for the ASCII cases manifests contain; other bytes are passed through.
std::string Quote(std::string_view s);

}  // namespace waygate::model

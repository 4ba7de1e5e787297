#include "model/field_path.h"

#include "base/go_text.h"

namespace waygate::model {

void FieldPath::Append(std::string& out) const {
  if (parent_ != nullptr) parent_->Append(out);
  switch (kind_) {
    case Kind::kRoot:
      break;
    case Kind::kChild:
      if (!out.empty()) out += '.';
      out += name_;
      break;
    case Kind::kIndex:
      out += '[';
      out += std::to_string(index_);
      out += ']';
      break;
    case Kind::kKey:
      out += '[';
      out += name_;
      out += ']';
      break;
  }
}

std::string FieldPath::String() const {
  std::string out;
  Append(out);
  return out;
}

std::string Quote(std::string_view s) { return gotext::Quote(s); }

namespace {
Error Make(const FieldPath& path, std::string message) {
  return Error{ErrorCode::kInvalid, std::move(message), path.String()};
}
}  // namespace

void ErrorList::Invalid(const FieldPath& path, std::string_view value, std::string_view detail) {
  std::string msg = "Invalid value: " + Quote(value);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  errors_.push_back(Make(path, std::move(msg)));
}

void ErrorList::InvalidInt(const FieldPath& path, int64_t value, std::string_view detail) {
  std::string msg = "Invalid value: " + std::to_string(value);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  errors_.push_back(Make(path, std::move(msg)));
}

void ErrorList::InvalidRaw(const FieldPath& path, std::string_view raw, std::string_view detail) {
  std::string msg = "Invalid value: " + std::string(raw);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  errors_.push_back(Make(path, std::move(msg)));
}

void ErrorList::TooMany(const FieldPath& path, size_t actual, size_t max) {
  errors_.push_back(Make(path, "Too many: " + std::to_string(actual) + ": must have at most " +
                                   std::to_string(max) + " items"));
}

void ErrorList::Required(const FieldPath& path, std::string_view detail) {
  std::string msg = "Required value";
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  errors_.push_back(Make(path, std::move(msg)));
}

void ErrorList::NotSupported(const FieldPath& path, std::string_view value,
                             std::initializer_list<std::string_view> supported) {
  std::string msg = "Unsupported value: " + Quote(value) + ": supported values: ";
  bool first = true;
  for (std::string_view s : supported) {
    if (!first) msg += ", ";
    first = false;
    msg += Quote(s);
  }
  errors_.push_back(Make(path, std::move(msg)));
}

void ErrorList::Duplicate(const FieldPath& path, std::string_view value) {
  errors_.push_back(Make(path, "Duplicate value: " + Quote(value)));
}

void ErrorList::Forbidden(const FieldPath& path, std::string_view detail) {
  errors_.push_back(Make(path, "Forbidden: " + std::string(detail)));
}

void ErrorList::TooLong(const FieldPath& path, size_t max_bytes) {
  errors_.push_back(
      Make(path, "Too long: may not be more than " + std::to_string(max_bytes) + " bytes"));
}

void ErrorList::WrongType(const FieldPath& path, std::string_view want, std::string_view got) {
  errors_.push_back(
      Make(path, "Invalid type: expected " + std::string(want) + ", got " + std::string(got)));
}

void ErrorList::InvalidEach(const FieldPath& path, std::string_view value,
                            const std::vector<std::string>& messages) {
  for (const std::string& m : messages) Invalid(path, value, m);
}

}  // namespace waygate::model

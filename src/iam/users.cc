#include "iam/users.h"

#include <string>
#include <utility>

#include "auth/password.h"
#include "model/field_path.h"
#include "model/names.h"

namespace waygate::iam {
namespace {

using nlohmann::json;

constexpr size_t kMinPasswordChars = 8;
constexpr size_t kMaxPasswordBytes = 72;
constexpr std::string_view kActive = "Active";
constexpr std::string_view kDisabled = "Disabled";

// The object's metadata.annotations when it is an object, else nullptr.
json* Annotations(json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return nullptr;
  return &*annotations;
}

json& AnnotationsForWrite(json& object) {
  json& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  json& annotations = meta["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  return annotations;
}

// kubectl's client-side apply copies the whole manifest, password included, into the
// last-applied annotation. Removes it there; an annotation that is not a JSON object cannot be
// checked for a password, so it is dropped (kubectl then falls back to a plain apply).
void StripLastApplied(json& object) {
  json* annotations = Annotations(object);
  if (annotations == nullptr) return;
  auto it = annotations->find(kLastApplied);
  if (it == annotations->end()) return;
  if (!it->is_string()) {
    annotations->erase(it);
    return;
  }
  json applied = json::parse(it->get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (!applied.is_object()) {
    annotations->erase(it);
    return;
  }
  auto spec = applied.find("spec");
  if (spec == applied.end() || !spec->is_object() || !spec->contains("password")) return;
  spec->erase("password");
  *it = applied.dump(-1, ' ', false, json::error_handler_t::replace);
}

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

bool LooksLikeEmail(std::string_view email) {
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size()) return false;
  if (email.find('@', at + 1) != std::string_view::npos) return false;
  for (unsigned char c : email) {
    if (c <= ' ' || c == 0x7f) return false;  // spaces and control characters
  }
  return true;
}

void ValidateName(const json& object, model::ErrorList& errors) {
  model::FieldPath metadata("metadata");
  model::FieldPath name = metadata.Child("name");
  const json* value = nullptr;
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    if (auto n = meta->find("name"); n != meta->end()) value = &*n;
  }
  if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
    errors.Required(name, "name or generateName is required");
    return;
  }
  const std::string& text = value->get_ref<const std::string&>();
  errors.InvalidEach(name, text, model::IsDNS1123Subdomain(text));
}

void ValidateEmail(const json& spec, model::ErrorList& errors) {
  auto email = spec.find("email");
  if (email == spec.end() || email->is_null()) return;
  model::FieldPath spec_path("spec");
  model::FieldPath path = spec_path.Child("email");
  if (!email->is_string()) {
    errors.WrongType(path, "string", email->type_name());
    return;
  }
  const std::string& text = email->get_ref<const std::string&>();
  if (text.empty()) return;  // optional
  if (!LooksLikeEmail(text)) errors.Invalid(path, text, "must be a valid email address");
}

// Defaults status.state and checks it.
void AdmitState(json& object, model::ErrorList& errors) {
  json& status = object["status"];
  if (!status.is_object()) status = json::object();
  json& state = status["state"];
  if (state.is_null() || (state.is_string() && state.get_ref<const std::string&>().empty())) {
    state = std::string(kActive);
    return;
  }
  model::FieldPath status_path("status");
  model::FieldPath path = status_path.Child("state");
  if (!state.is_string()) {
    errors.WrongType(path, "string", state.type_name());
    return;
  }
  const std::string& text = state.get_ref<const std::string&>();
  if (text != kActive && text != kDisabled) errors.NotSupported(path, text, {kActive, kDisabled});
}

Error PasswordError(std::string message) {
  // Never echoes the value: it is a secret.
  return Error{ErrorCode::kInvalid, std::move(message), "spec.password"};
}

}  // namespace

std::vector<Error> AdmitUser(json& object, const json* old, bool* password_changed) {
  if (password_changed != nullptr) *password_changed = false;
  model::ErrorList errors;
  if (!object.is_object()) {
    errors.Add(Error{ErrorCode::kInvalid, "a User must be a JSON object", ""});
    return errors.Take();
  }
  ValidateName(object, errors);

  json& spec = object["spec"];
  if (spec.is_null()) spec = json::object();
  if (!spec.is_object()) {
    model::FieldPath path("spec");
    errors.WrongType(path, "object", spec.type_name());
    return errors.Take();
  }
  ValidateEmail(spec, errors);
  AdmitState(object, errors);

  // The password: decide what is stored, hash last (it is the expensive step) and only when
  // everything else is admitted.
  std::string old_hash = old != nullptr ? StoredPasswordHash(*old) : std::string();
  std::string clear;  // a new clear-text password to hash
  auto password = spec.find("password");
  if (password == spec.end() || password->is_null()) {
    if (!old_hash.empty()) {
      spec["password"] = old_hash;
    } else if (password != spec.end()) {
      spec.erase(password);
    }
  } else if (!password->is_string()) {
    errors.Add(PasswordError("must be a string"));
  } else {
    const std::string& text = password->get_ref<const std::string&>();
    if (auth::IsBcryptHash(text)) {
      // A User read back and written again carries no password (RedactUser), so a hash here
      // is either the stored one (kept) or someone planting a hash they know the password of.
      if (old_hash.empty() || text != old_hash) {
        errors.Add(PasswordError("must be the clear text; hashes are not accepted"));
      }
    } else if (Utf8Chars(text) < kMinPasswordChars) {
      errors.Add(PasswordError("must be at least 8 characters"));
    } else if (text.size() > kMaxPasswordBytes) {
      errors.Add(PasswordError("must not be longer than 72 bytes"));
    } else if (text.find('\0') != std::string::npos) {
      errors.Add(PasswordError("must not contain a NUL character"));
    } else if (!old_hash.empty() && auth::VerifyPassword(text, old_hash)) {
      // The same manifest applied again: keep the hash, so the object does not change and
      // the user's tokens stay valid.
      *password = old_hash;
    } else {
      clear = text;
    }
  }
  StripLastApplied(object);

  if (!errors.empty()) return errors.Take();

  if (!clear.empty()) {
    auto hash = auth::HashPassword(clear);
    std::fill(clear.begin(), clear.end(), '\0');
    if (!hash.ok()) {
      Error e = hash.error();
      e.field = "spec.password";
      return {std::move(e)};
    }
    spec["password"] = std::move(*hash);
    if (password_changed != nullptr) *password_changed = true;
  }

  if (spec.contains("password")) {
    AnnotationsForWrite(object)[kPasswordEncrypted] = "true";
  } else if (json* annotations = Annotations(object); annotations != nullptr) {
    annotations->erase(std::string(kPasswordEncrypted));
  }
  return {};
}

void RedactUser(json& object) {
  if (!object.is_object()) return;
  if (auto spec = object.find("spec"); spec != object.end() && spec->is_object()) {
    spec->erase("password");
  }
  StripLastApplied(object);
}

std::string StoredPasswordHash(const json& object) {
  if (!object.is_object()) return {};
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return {};
  auto password = spec->find("password");
  if (password == spec->end() || !password->is_string()) return {};
  const std::string& text = password->get_ref<const std::string&>();
  return auth::IsBcryptHash(text) ? text : std::string();
}

bool IsActive(const json& object) {
  if (!object.is_object()) return false;
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return true;  // defaulted to Active
  auto state = status->find("state");
  if (state == status->end() || state->is_null()) return true;
  if (!state->is_string()) return false;
  const std::string& text = state->get_ref<const std::string&>();
  return text.empty() || text == kActive;
}

json NewUser(std::string_view name, std::string_view email, std::string_view password_hash) {
  json user = {{"apiVersion", std::string(kUserGroup) + "/" + std::string(kUserVersion)},
               {"kind", "User"},
               {"metadata", {{"name", std::string(name)}}},
               {"spec", json::object()},
               {"status", {{"state", std::string(kActive)}}}};
  if (!email.empty()) user["spec"]["email"] = std::string(email);
  if (!password_hash.empty()) {
    user["spec"]["password"] = std::string(password_hash);
    user["metadata"]["annotations"] = {{std::string(kPasswordEncrypted), "true"}};
  }
  return user;
}

}  // namespace waygate::iam

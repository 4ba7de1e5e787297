#include "apistatus/errors.h"

#include <set>
#include <utility>

namespace waygate::apistatus {
namespace {

using nlohmann::json;

std::string Q(std::string_view s) { return model::Quote(s); }

// StatusDetails as apimachinery fills it; empty strings are dropped when the body is written.
json Details(std::string_view group, std::string_view kind, std::string_view name) {
  json d = json::object();
  if (!name.empty()) d["name"] = name;
  if (!group.empty()) d["group"] = group;
  if (!kind.empty()) d["kind"] = kind;
  return d;
}

ApiStatus Make(int code, std::string reason, std::string message, json details = nullptr) {
  return ApiStatus{code, std::move(reason), std::move(message), std::move(details)};
}

std::string Join(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// responsewriters.Forbidden passes the authorizer's sentence through an HTML sanitizer.
std::string Sanitize(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

bool StartsWithType(std::string_view message, std::string_view type) {
  if (message.substr(0, type.size()) != type) return false;
  return message.size() == type.size() || message[type.size()] == ':';
}

}  // namespace

std::string QualifiedResource(std::string_view group, std::string_view resource) {
  std::string out(resource);
  if (!group.empty()) {
    out += '.';
    out += group;
  }
  return out;
}

std::string QualifiedKind(std::string_view group, std::string_view kind) {
  return QualifiedResource(group, kind);  // same rule: "<name>.<group>", bare for core
}

std::string_view CauseType(const Error& error) {
  // field.ErrorType.String() -> CauseType, as field.Error.ErrorBody() starts with the former.
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"Not found", "FieldValueNotFound"},
      {"Required value", "FieldValueRequired"},
      {"Duplicate value", "FieldValueDuplicate"},
      {"Invalid value", "FieldValueInvalid"},
      {"Unsupported value", "FieldValueNotSupported"},
      {"Forbidden", "FieldValueForbidden"},
      {"Too long", "FieldValueTooLong"},
      {"Too many", "FieldValueTooMany"},
      {"Internal error", "InternalError"},
      {"Invalid type", "FieldValueTypeInvalid"},
  };
  for (const auto& [text, type] : kTypes) {
    if (StartsWithType(error.message, text)) return type;
  }
  return "FieldValueInvalid";
}

ApiStatus Invalid(std::string_view group, std::string_view kind, std::string_view name,
                  const std::vector<Error>& errors) {
  json causes = json::array();
  // field.ErrorList.ToAggregate drops repeated texts; the causes keep every entry.
  std::vector<std::string> texts;
  std::set<std::string> seen;
  for (const Error& e : errors) {
    json cause = json::object();
    cause["reason"] = CauseType(e);
    if (!e.message.empty()) cause["message"] = e.message;
    if (!e.field.empty()) cause["field"] = e.field;
    causes.push_back(std::move(cause));
    // field.Error.Error() is "%s: %s" even when the field is empty.
    std::string text = e.field + ": " + e.message;
    if (seen.insert(text).second) texts.push_back(std::move(text));
  }
  std::string message = QualifiedKind(group, kind) + " " + Q(name) + " is invalid";
  if (texts.size() == 1) {
    message += ": " + texts[0];
  } else if (texts.size() > 1) {
    message += ": [";
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i > 0) message += ", ";
      message += texts[i];
    }
    message += ']';
  }
  json details = Details(group, kind, name);
  if (!causes.empty()) details["causes"] = std::move(causes);
  return Make(422, "Invalid", std::move(message), std::move(details));
}

ApiStatus NotFound(std::string_view group, std::string_view resource, std::string_view name) {
  return Make(404, "NotFound", QualifiedResource(group, resource) + " " + Q(name) + " not found",
              Details(group, resource, name));
}

ApiStatus NotFoundPath() {
  return Make(404, "NotFound", "the server could not find the requested resource", json::object());
}

ApiStatus AlreadyExists(std::string_view group, std::string_view resource, std::string_view name) {
  return Make(409, "AlreadyExists",
              QualifiedResource(group, resource) + " " + Q(name) + " already exists",
              Details(group, resource, name));
}

ApiStatus Conflict(std::string_view group, std::string_view resource, std::string_view name,
                   std::string_view reason_text) {
  return Make(409, "Conflict",
              "Operation cannot be fulfilled on " + QualifiedResource(group, resource) + " " +
                  Q(name) + ": " + std::string(reason_text),
              Details(group, resource, name));
}

ApiStatus BadRequest(std::string message) { return Make(400, "BadRequest", std::move(message)); }

ApiStatus CannotBeHandled(std::string_view kind, std::string_view version,
                          std::string_view target_kind, std::string_view detail) {
  return BadRequest(std::string(kind) + " in version " + Q(version) + " cannot be handled as a " +
                    std::string(target_kind) + ": " + std::string(detail));
}

ApiStatus Gone(std::string message) { return Make(410, "Gone", std::move(message)); }

ApiStatus Expired(std::string message) { return Make(410, "Expired", std::move(message)); }

ApiStatus TooLarge(size_t limit_bytes) {
  return Make(413, "RequestEntityTooLarge",
              "Request entity too large: limit is " + std::to_string(limit_bytes));
}

ApiStatus UnsupportedMediaType(std::span<const std::string_view> accepted) {
  return Make(415, "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: " +
                  Join(accepted));
}

ApiStatus NotAcceptable(std::span<const std::string_view> accepted) {
  return Make(406, "NotAcceptable",
              "only the following media types are accepted: " + Join(accepted));
}

ApiStatus MethodNotSupported(std::string_view group, std::string_view resource,
                             std::string_view verb) {
  return Make(405, "MethodNotAllowed",
              std::string(verb) + " is not supported on resources of kind " +
                  Q(QualifiedResource(group, resource)),
              Details(group, resource, {}));
}

ApiStatus Unauthorized(std::string_view message) {
  return Make(401, "Unauthorized", message.empty() ? "not authorized" : std::string(message));
}

ApiStatus Forbidden(const ForbiddenRequest& r) {
  std::string sentence;
  if (r.resource.empty()) {
    sentence = "User " + Q(r.user) + " cannot " + r.verb + " path " + Q(r.path);
  } else {
    std::string resource = r.resource;
    if (!r.subresource.empty()) resource += "/" + r.subresource;
    sentence = "User " + Q(r.user) + " cannot " + r.verb + " resource " + Q(resource) +
               " in API group " + Q(r.group);
    sentence +=
        r.namespace_.empty() ? " at the cluster scope" : " in the namespace " + Q(r.namespace_);
  }
  std::string why = Sanitize(sentence);
  if (!r.authorizer_reason.empty()) why += ": " + r.authorizer_reason;

  // apierrors.NewForbidden: the prefix depends on which of resource and name are known.
  std::string message;
  if (r.resource.empty() && r.group.empty()) {
    message = "forbidden: " + why;
  } else if (r.name.empty()) {
    message = QualifiedResource(r.group, r.resource) + " is forbidden: " + why;
  } else {
    message = QualifiedResource(r.group, r.resource) + " " + Q(r.name) + " is forbidden: " + why;
  }
  return Make(403, "Forbidden", std::move(message), Details(r.group, r.resource, r.name));
}

ApiStatus Internal(std::string_view text) {
  json details = json::object();
  details["causes"] = json::array({json{{"message", text}}});
  return Make(500, "InternalError", "Internal error occurred: " + std::string(text),
              std::move(details));
}

ApiStatus FromError(const Error& error, const Target& target, FromErrorOptions options) {
  switch (error.code) {
    case ErrorCode::kInvalid:
      if (options.invalid_is_bad_request) return BadRequest(error.ToString());
      return Invalid(target.group, target.kind, target.name, std::vector<Error>{error});
    case ErrorCode::kNotFound:
      return NotFound(target.group, target.resource, target.name);
    case ErrorCode::kConflict:
      if (options.create) return AlreadyExists(target.group, target.resource, target.name);
      return Conflict(target.group, target.resource, target.name, kOptimisticLockMessage);
    case ErrorCode::kGone:
      return Expired(error.message);
    case ErrorCode::kUnsupported:
      return Make(415, "UnsupportedMediaType", error.ToString());
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      break;
  }
  return Internal(error.ToString());
}

}  // namespace waygate::apistatus

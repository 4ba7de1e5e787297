// Server-side apply: PATCH with application/apply-patch+yaml. The merge and field ownership are
// src/apply's; this file does what kube's patch handler does around it: identity checks, create
// on a missing object, the registry strategy, validation, and compare-and-swap with retries.
#include "api/admission.h"
#include "api/api_internal.h"
#include "apply/apply.h"
#include "apply/managed_fields.h"
#include "model/field_path.h"

namespace waygate::api {

using nlohmann::json;

namespace {

// Every object an apply answers with leaves through here (a User's password hash stays in).
void SendOut(Api::Call& call, int code, json object) {
  RedactForClient(*call.resource, object);
  SendObject(call, code, object);
}

// The rewriting admission (a User's password hashed), as in handlers_write.cc: before
// PrepareForUpdate on updates. False after answering 422.
bool AdmitRewrites(Api::Call& call, json& object, const json* old) {
  std::vector<Error> invalid = AdmitBeforeStore(*call.resource, object, old);
  if (invalid.empty()) return true;
  SendStatus(
      call, apistatus::Invalid(call.resource->group, call.resource->kind, call.info.name, invalid));
  return false;
}

}  // namespace

apply::Manager RequestManager(const Api::Call& call) {
  return apply::Manager{
      apply::ManagerFromRequest(call.info.Param("fieldManager"),
                                call.request.Header("user-agent")),
      call.resource->ApiVersion(), NowRfc3339(),
      call.info.subresource == "status" ? "status" : ""};
}

void Api::ServerSideApply(Call& call, const json& applied) {
  const ResourceInfo& r = *call.resource;
  std::string manager_name(call.info.Param("fieldManager"));
  if (manager_name.empty()) {
    model::ErrorList errs;
    model::FieldPath md("metadata");
    model::FieldPath mf = md.Child("managedFields");
    model::FieldPath fm = mf.Child("fieldManager");
    errs.Required(fm, "is required for apply patch");
    SendStatus(call, apistatus::Invalid(r.group, r.kind, call.info.name, errs));
    return;
  }
  if (!applied.is_object()) {
    SendStatus(call, apistatus::BadRequest("the applied configuration must be an object"));
    return;
  }
  if (applied.value("kind", "") != r.kind || applied.value("apiVersion", "") != r.ApiVersion()) {
    SendStatus(call, apistatus::BadRequest(
                         "the applied configuration's apiVersion and kind must be " +
                         r.ApiVersion() + ", " + std::string(r.kind)));
    return;
  }
  const json& meta = applied.contains("metadata") ? applied["metadata"] : json::object();
  if (meta.value("name", "") != call.info.name) {
    SendStatus(call, apistatus::BadRequest("the name of the object (" + meta.value("name", "") +
                                           ") does not match the name on the URL (" +
                                           call.info.name + ")"));
    return;
  }
  if (r.namespaced && !meta.value("namespace", "").empty() &&
      meta.value("namespace", "") != call.info.namespace_) {
    SendStatus(call, apistatus::BadRequest("the namespace of the provided object does not "
                                           "match the namespace sent on the request"));
    return;
  }
  bool force = ParseBoolParam(call.info.Param("force"));
  apply::Manager manager = RequestManager(call);
  WriteContext ctx{call.user, manager.time};
  bool status_sub = call.info.subresource == "status";

  for (int attempt = 0; attempt < 5; ++attempt) {
    auto live = registry_.Get(r, call.info.namespace_, call.info.name);
    if (!live.ok() && live.error().code != ErrorCode::kNotFound) {
      return SendError(call, live.error(), call.info.name);
    }
    if (!live.ok() && status_sub) return SendError(call, live.error(), call.info.name);
    const json* live_ptr = live.ok() ? &*live : nullptr;
    auto outcome = apply::ServerSideApply(r.group, r.kind, live_ptr, applied, manager, force);
    if (auto* status = std::get_if<apistatus::ApiStatus>(&outcome)) {
      SendStatus(call, *status);
      return;
    }
    apply::ApplyResult& result = std::get<apply::ApplyResult>(outcome);
    json& object = result.object;
    if (r.namespaced) object["metadata"]["namespace"] = call.info.namespace_;
    if (live_ptr == nullptr) {
      if (!AdmitNamespace(call)) return;
      PrepareForCreate(r, object, ctx);
      std::vector<Error> errors = Validate(r, object, nullptr);
      if (!errors.empty()) {
        SendStatus(call, apistatus::Invalid(r.group, r.kind, call.info.name, errors));
        return;
      }
      if (!AdmitRewrites(call, object, nullptr)) return;
      std::unique_lock<std::mutex> hold;
      if (!AdmitAgainstStore(call, object, nullptr, hold)) return;
      if (call.info.Param("dryRun") == "All") {
        SendOut(call, 201, std::move(object));
        return;
      }
      auto created = registry_.Create(r, object);
      if (created.ok()) {
        SendOut(call, 201, std::move(*created));
        return;
      }
      if (created.error().code == ErrorCode::kConflict) continue;  // raced with a create
      return SendError(call, created.error(), call.info.name);
    }
    if (!AdmitRewrites(call, object, &*live)) return;
    PrepareForUpdate(r, *live, object, status_sub, ctx);
    std::vector<Error> errors = Validate(r, object, &*live);
    if (!errors.empty()) {
      SendStatus(call, apistatus::Invalid(r.group, r.kind, call.info.name, errors));
      return;
    }
    std::unique_lock<std::mutex> hold;
    if (!AdmitAgainstStore(call, object, &*live, hold)) return;
    json before = *live;
    before["metadata"].erase("resourceVersion");
    json after = object;
    after["metadata"].erase("resourceVersion");
    if (before == after || call.info.Param("dryRun") == "All") {
      SendOut(call, 200, call.info.Param("dryRun") == "All" ? object : *live);
      return;
    }
    auto rev = ParseResourceVersion((*live)["metadata"].value("resourceVersion", ""));
    auto updated = registry_.Update(r, std::move(object), rev.value_or(0));
    if (updated.ok()) {
      AfterWrite(tokens_, r, *live, *updated);
      SendOut(call, 200, std::move(*updated));
      return;
    }
    if (updated.error().code != ErrorCode::kConflict) {
      return SendError(call, updated.error(), call.info.name);
    }
  }
  SendStatus(call, apistatus::Conflict(r.group, r.resource, call.info.name,
                                       apistatus::kOptimisticLockMessage));
}

}  // namespace waygate::api

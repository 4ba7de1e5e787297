// create, update, patch, delete and deletecollection.
#include <chrono>
#include <thread>

#include "api/admission.h"
#include "api/api_internal.h"
#include "api/host_claims.h"
#include "apply/managed_fields.h"
#include "fieldcheck/fieldcheck.h"
#include "model/field_path.h"
#include "model/yaml_json.h"
#include "patch/json_patch.h"
#include "patch/merge_patch.h"
#include "patch/patch_schema.h"
#include "patch/rejection.h"
#include "patch/strategic_merge.h"

namespace waygate::api {

using nlohmann::json;

namespace {

bool DryRun(const Api::Call& call) { return call.info.Param("dryRun") == "All"; }

std::string MetaName(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  return object["metadata"].value("name", "");
}

// ?fieldValidation=: absent means Warn (kube's default); an unknown value is a 422 naming the
// request's options kind.
std::optional<fieldcheck::Directive> ReadDirective(Api::Call& call) {
  std::string_view value = call.info.Param("fieldValidation");
  auto directive = fieldcheck::ParseDirective(value);
  if (!directive) {
    std::string_view options = call.info.verb == "create"   ? "CreateOptions"
                               : call.info.verb == "update" ? "UpdateOptions"
                                                            : "PatchOptions";
    model::ErrorList errs;
    model::FieldPath fv("fieldValidation");
    errs.NotSupported(fv, value, {"", "Ignore", "Strict", "Warn"});
    SendStatus(call, apistatus::Invalid("meta.k8s.io", options, "", errs));
  }
  return directive;
}

void AddWarnings(Api::Call& call, const std::vector<std::string>& problems) {
  for (const std::string& header : fieldcheck::WarningHeaders(problems)) {
    call.warnings.emplace_back("Warning", header);
  }
}

// Decodes the body of a create or update and checks it is an object of this endpoint's kind.
std::optional<json> ReadObject(Api::Call& call) {
  auto directive = ReadDirective(call);
  if (!directive) return std::nullopt;
  auto body = DecodeBody(call.request.Header("content-type"), call.request.body);
  if (!body.ok()) {
    if (body.error().code == ErrorCode::kUnsupported) {
      SendStatus(call, apistatus::UnsupportedMediaType(apistatus::kBodyMediaTypes));
    } else {
      SendStatus(call, apistatus::BadRequest(body.error().message));
    }
    return std::nullopt;
  }
  json& object = *body;
  if (!object.is_object()) {
    SendStatus(call, apistatus::BadRequest("the body of the request must be a JSON object"));
    return std::nullopt;
  }
  const ResourceInfo& r = *call.resource;
  // Like kube's decoder, a body without apiVersion/kind gets the endpoint's (typed clients
  // such as the Python one leave them out).
  if (object.value("kind", "").empty()) object["kind"] = std::string(r.kind);
  if (object.value("apiVersion", "").empty()) object["apiVersion"] = r.ApiVersion();
  if (!object["kind"].is_string() || !object["apiVersion"].is_string()) {
    SendStatus(call, apistatus::BadRequest("kind and apiVersion must be strings"));
    return std::nullopt;
  }
  std::string kind = object["kind"].get<std::string>();
  std::string api_version = object["apiVersion"].get<std::string>();
  if (kind != r.kind || api_version != r.ApiVersion()) {
    std::string version = api_version.substr(api_version.find('/') + 1);
    SendStatus(call, apistatus::CannotBeHandled(
                         kind, version, r.kind,
                         "the object's kind/apiVersion (" + kind + ", " + api_version +
                             ") does not match this endpoint's (" + std::string(r.kind) + ", " +
                             r.ApiVersion() + ")"));
    return std::nullopt;
  }
  if (object.contains("metadata") && !object["metadata"].is_object() &&
      !object["metadata"].is_null()) {
    SendStatus(call, apistatus::CannotBeHandled(kind, r.version, r.kind,
                                                "metadata must be an object"));
    return std::nullopt;
  }
  if (!object.contains("metadata") || object["metadata"].is_null()) {
    object["metadata"] = json::object();
  }
  // Fields the kind does not have are never stored: Strict refuses them, Warn says so.
  std::string media = MediaType(call.request.Header("content-type"));
  std::vector<std::string> problems = fieldcheck::CheckBody(
      r.group, r.kind, media.empty() || media == "application/json" ? call.request.body : "",
      object);
  if (!problems.empty()) {
    if (*directive == fieldcheck::Directive::kStrict) {
      SendStatus(call, apistatus::CannotBeHandled(kind, r.version, r.kind,
                                                  fieldcheck::StrictDecodingMessage(problems)));
      return std::nullopt;
    }
    if (*directive == fieldcheck::Directive::kWarn) AddWarnings(call, problems);
  }
  std::string ns = object["metadata"].value("namespace", "");
  if (r.namespaced) {
    if (!ns.empty() && ns != call.info.namespace_) {
      SendStatus(call, apistatus::BadRequest("the namespace of the provided object does not "
                                             "match the namespace sent on the request"));
      return std::nullopt;
    }
    object["metadata"]["namespace"] = call.info.namespace_;
  } else {
    object["metadata"].erase("namespace");
  }
  return std::move(object);
}

WriteContext Context(const Api::Call& call) { return WriteContext{call.user, NowRfc3339()}; }

// The rewriting admission (a User's password hashed, or the stored hash kept). On updates it
// runs before PrepareForUpdate and the managedFields bookkeeping, so that a re-applied unchanged
// password compares equal to the stored object (no new generation, no write). False after
// answering 422.
bool AdmitRewrites(Api::Call& call, json& object, const json* old) {
  std::vector<Error> invalid = AdmitBeforeStore(*call.resource, object, old);
  if (invalid.empty()) return true;
  SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind, MetaName(object),
                                      invalid));
  return false;
}

// Every object a write answers with leaves through here (a User's password hash stays in).
void SendOut(Api::Call& call, int code, json object) {
  RedactForClient(*call.resource, object);
  SendObject(call, code, object);
}

// The object without its resourceVersion, to tell a no-op write from a real one.
json WithoutVersion(json object) {
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("resourceVersion");
  }
  return object;
}

}  // namespace

bool Api::AdmitNamespace(Call& call) {
  if (!call.resource->namespaced) return true;
  const ResourceInfo* namespaces = FindResource("", "v1", "namespaces");
  auto ns = registry_.Get(*namespaces, "", call.info.namespace_);
  if (!ns.ok()) {
    if (ns.error().code == ErrorCode::kNotFound) {
      SendStatus(call, apistatus::NotFound("", "namespaces", call.info.namespace_));
    } else {
      SendError(call, ns.error(), call.info.namespace_);
    }
    return false;
  }
  if ((*ns)["metadata"].contains("deletionTimestamp")) {
    apistatus::ApiStatus status{
        403, "Forbidden",
        "unable to create new content in namespace " + call.info.namespace_ +
            " because it is being terminated",
        json{{"name", call.info.namespace_}, {"kind", "namespaces"}}};
    status.details["causes"] = json::array(
        {json{{"reason", "NamespaceTerminating"},
              {"message", "namespace " + call.info.namespace_ + " is being terminated"},
              {"field", "metadata.namespace"}}});
    SendStatus(call, status);
    return false;
  }
  return true;
}

void Api::Create(Call& call) {
  auto object = ReadObject(call);
  if (!object) return;
  json& meta = (*object)["metadata"];
  std::string generate = meta.value("generateName", "");
  bool generated = meta.value("name", "").empty() && !generate.empty();
  if (!AdmitNamespace(call)) return;
  WriteContext ctx = Context(call);
  for (int attempt = 0;; ++attempt) {
    json candidate = *object;
    if (generated) candidate["metadata"]["name"] = GenerateName(generate);
    PrepareForCreate(*call.resource, candidate, ctx);
    apply::TrackUpdate(call.resource->group, call.resource->kind, nullptr, candidate,
                       RequestManager(call));
    std::vector<Error> errors = Validate(*call.resource, candidate, nullptr);
    std::string name = MetaName(candidate);
    if (call.audit != nullptr) call.audit->name = name;
    if (!errors.empty()) {
      SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind, name, errors));
      return;
    }
    if (!AdmitRewrites(call, candidate, nullptr)) return;
    std::unique_lock<std::mutex> hold;
    if (!AdmitAgainstStore(call, candidate, nullptr, hold)) return;
    if (DryRun(call)) {
      SendOut(call, 201, std::move(candidate));
      return;
    }
    auto created = registry_.Create(*call.resource, candidate);
    if (created.ok()) {
      SendOut(call, 201, std::move(*created));
      return;
    }
    // A generated name that collides is retried with a new suffix, as kube does.
    if (created.error().code == ErrorCode::kConflict && generated && attempt < 8) continue;
    SendError(call, created.error(), name, apistatus::FromErrorOptions{false, true});
    return;
  }
}

void Api::Update(Call& call) {
  auto object = ReadObject(call);
  if (!object) return;
  std::string name = MetaName(*object);
  if (name != call.info.name) {
    SendStatus(call, apistatus::BadRequest("the name of the object (" + name +
                                           ") does not match the name on the URL (" +
                                           call.info.name + ")"));
    return;
  }
  auto old = registry_.Get(*call.resource, call.info.namespace_, call.info.name);
  if (!old.ok()) return SendError(call, old.error(), call.info.name);
  std::string rv = (*object)["metadata"].value("resourceVersion", "");
  if (rv.empty()) {
    model::ErrorList errs;
    model::FieldPath md("metadata");
    model::FieldPath rvp = md.Child("resourceVersion");
    errs.InvalidInt(rvp, 0, "must be specified for an update");
    SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind, name, errs));
    return;
  }
  if (rv != (*old)["metadata"].value("resourceVersion", "")) {
    SendStatus(call, apistatus::Conflict(call.resource->group, call.resource->resource, name,
                                         apistatus::kOptimisticLockMessage));
    return;
  }
  FinishUpdate(call, *old, std::move(*object), 200);
}

bool Api::AdmitAgainstStore(Call& call, json& object, const json* old,
                            std::unique_lock<std::mutex>& hold) {
  if (!AuthorizeGatewayCreate(call, object)) return false;
  if (!ConfirmNoEscalation(call, object)) return false;
  GatewayVerdict verdict = gateway_admission_.Admit(*call.resource, object, old,
                                                    call.info.subresource == "status");
  if (!verdict.invalid.empty()) {
    SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind,
                                        MetaName(object), verdict.invalid));
    return false;
  }
  if (verdict.failure) {
    SendError(call, *verdict.failure, MetaName(object));
    return false;
  }
  AddWarnings(call, verdict.warnings);
  hold = std::move(verdict.hold);
  if (call.resource->group == "networking.k8s.io" && call.resource->kind == "Ingress" &&
      call.info.subresource != "status") {
    return AdmitHostClaims(call, object, hold);
  }
  return true;
}

bool Api::AdmitHostClaims(Call& call, const json& object, std::unique_lock<std::mutex>& hold) {
  // Ingress writes take turns from the claim check until their write lands, so two projects
  // claiming one free host at once cannot both pass. One server only: servers sharing etcd
  // each hold their own lock (docs/security.md lists it).
  hold = std::unique_lock<std::mutex>(ingress_hosts_mu_);
  auto stored = registry_.List(*call.resource, "", ListOptions{});
  if (!stored.ok()) {
    SendError(call, stored.error(), MetaName(object));
    return false;
  }
  std::vector<Error> errors = CheckHostClaims(object, stored->items);
  if (!errors.empty()) {
    SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind,
                                        MetaName(object), errors));
    return false;
  }
  return true;
}

void Api::FinishUpdate(Call& call, const json& old, json object, int status_ok) {
  bool status_sub = call.info.subresource == "status";
  std::string name = MetaName(old);
  if (!AdmitRewrites(call, object, &old)) return;
  PrepareForUpdate(*call.resource, old, object, status_sub, Context(call));
  apply::TrackUpdate(call.resource->group, call.resource->kind, &old, object, RequestManager(call));
  std::vector<Error> errors = Validate(*call.resource, object, &old);
  if (!errors.empty()) {
    SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind, name, errors));
    return;
  }
  std::unique_lock<std::mutex> hold;
  if (!AdmitAgainstStore(call, object, &old, hold)) return;
  if (WithoutVersion(object) == WithoutVersion(old) || DryRun(call)) {
    // Nothing changed: no write, no new resourceVersion, no watch event (as kube).
    json out = DryRun(call) ? object : old;
    out["metadata"]["resourceVersion"] = old["metadata"].value("resourceVersion", "");
    SendOut(call, status_ok, std::move(out));
    return;
  }
  auto old_rev = ParseResourceVersion(old["metadata"].value("resourceVersion", ""));
  auto updated = registry_.Update(*call.resource, std::move(object), old_rev.value_or(0));
  if (!updated.ok()) return SendError(call, updated.error(), name);
  if (!DryRun(call)) AfterWrite(tokens_, *call.resource, old, *updated);
  SendOut(call, status_ok, std::move(*updated));
}

void Api::Patch(Call& call) {
  std::string type = MediaType(call.request.Header("content-type"));
  const patch::PatchSchema* schema = nullptr;
  if (type == "application/strategic-merge-patch+json") {
    schema = call.resource->custom ? nullptr
                                   : patch::SchemaFor(call.resource->group, call.resource->kind);
    if (schema == nullptr) {
      SendStatus(call, apistatus::ApiStatus{415, "UnsupportedMediaType",
                                            patch::kStrategicMergeUnsupportedMessage,
                                            json::object()});
      return;
    }
  } else if (type != "application/json-patch+json" && type != "application/merge-patch+json" &&
             type != "application/apply-patch+yaml") {
    SendStatus(call, apistatus::UnsupportedMediaType(apistatus::kPatchMediaTypes));
    return;
  }
  auto directive = ReadDirective(call);
  if (!directive) return;
  json patch_doc;
  if (type == "application/apply-patch+yaml") {
    auto decoded = DecodeBody(type, call.request.body);
    if (!decoded.ok()) {
      SendStatus(call, apistatus::BadRequest(decoded.error().message));
      return;
    }
    patch_doc = std::move(*decoded);
  } else {
    auto decoded = model::ParseJson(call.request.body);
    if (!decoded.ok()) {
      SendStatus(call, apistatus::BadRequest(decoded.error().message));
      return;
    }
    patch_doc = std::move(*decoded);
  }
  if (type == "application/apply-patch+yaml") return ServerSideApply(call, patch_doc);

  for (int attempt = 0; attempt < 5; ++attempt) {
    auto old = registry_.Get(*call.resource, call.info.namespace_, call.info.name);
    if (!old.ok()) return SendError(call, old.error(), call.info.name);
    Result<json> patched = json();
    if (type == "application/json-patch+json") {
      patched = patch::ApplyJsonPatch(*old, patch_doc);
    } else if (type == "application/merge-patch+json") {
      if (!patch_doc.is_object()) {
        SendStatus(call, apistatus::BadRequest("json: cannot unmarshal " +
                                               std::string(patch_doc.type_name()) +
                                               " into Go value of type map[string]interface {}"));
        return;
      }
      patched = patch::ApplyMergePatch(*old, patch_doc);
    } else {
      patched = patch::ApplyStrategicMergePatch(*old, patch_doc, *schema);
    }
    if (!patched.ok()) {
      patch::PatchRejection rejection = patch::RejectionFor(patched.error());
      SendStatus(call, apistatus::ApiStatus{rejection.http_status, rejection.reason,
                                            rejection.message, json::object()});
      return;
    }
    json& object = *patched;
    if (object.is_object()) {
      fieldcheck::PatchType patch_type =
          type == "application/json-patch+json"    ? fieldcheck::PatchType::kJsonPatch
          : type == "application/merge-patch+json" ? fieldcheck::PatchType::kMergePatch
                                                   : fieldcheck::PatchType::kStrategicMergePatch;
      std::string before_prune = object.dump();
      std::vector<std::string> problems = fieldcheck::CheckPatch(
          call.resource->group, call.resource->kind, patch_type, call.request.body, object);
      if (!problems.empty() && *directive == fieldcheck::Directive::kStrict) {
        model::ErrorList errs;
        model::FieldPath field("patch");
        errs.Invalid(field, before_prune, fieldcheck::StrictDecodingMessage(problems));
        SendStatus(call, apistatus::Invalid("", "", "", errs));
        return;
      }
      if (!problems.empty() && *directive == fieldcheck::Directive::kWarn && attempt == 0) {
        AddWarnings(call, problems);
      }
    }
    if (!object.is_object() || object.value("kind", "") != call.resource->kind ||
        object.value("apiVersion", "") != call.resource->ApiVersion()) {
      SendStatus(call, apistatus::BadRequest("the patch changes the object's kind or apiVersion"));
      return;
    }
    if (MetaName(object) != call.info.name ||
        (call.resource->namespaced &&
         object["metadata"].value("namespace", "") != call.info.namespace_)) {
      SendStatus(call, apistatus::BadRequest("the name of the object (" + MetaName(object) +
                                             ") does not match the name on the URL (" +
                                             call.info.name + ")"));
      return;
    }
    std::string old_rv = (*old)["metadata"].value("resourceVersion", "");
    std::string new_rv = object["metadata"].value("resourceVersion", "");
    bool precondition = new_rv != old_rv;
    if (precondition) {
      SendStatus(call, apistatus::Conflict(call.resource->group, call.resource->resource,
                                           call.info.name, apistatus::kOptimisticLockMessage));
      return;
    }
    // Retry when someone else wrote between our read and our write: a patch without a
    // resourceVersion applies to whatever is current, as kube's patcher retries.
    bool status_sub = call.info.subresource == "status";
    if (!AdmitRewrites(call, object, &*old)) return;
    PrepareForUpdate(*call.resource, *old, object, status_sub, Context(call));
    apply::TrackUpdate(call.resource->group, call.resource->kind, &*old, object,
                       RequestManager(call));
    std::vector<Error> errors = Validate(*call.resource, object, &*old);
    if (!errors.empty()) {
      SendStatus(call, apistatus::Invalid(call.resource->group, call.resource->kind,
                                          call.info.name, errors));
      return;
    }
    std::unique_lock<std::mutex> hold;
    if (!AdmitAgainstStore(call, object, &*old, hold)) return;
    if (WithoutVersion(object) == WithoutVersion(*old) || DryRun(call)) {
      SendOut(call, 200, DryRun(call) ? object : *old);
      return;
    }
    auto rev = ParseResourceVersion(old_rv);
    auto updated = registry_.Update(*call.resource, std::move(object), rev.value_or(0));
    if (updated.ok()) {
      if (!DryRun(call)) AfterWrite(tokens_, *call.resource, *old, *updated);
      SendOut(call, 200, std::move(*updated));
      return;
    }
    if (updated.error().code != ErrorCode::kConflict) {
      return SendError(call, updated.error(), call.info.name);
    }
  }
  SendStatus(call, apistatus::Conflict(call.resource->group, call.resource->resource,
                                       call.info.name, apistatus::kOptimisticLockMessage));
}

void Api::Delete(Call& call) {
  // A delete must not fail because something else (a controller writing status, say) changed
  // the object between our read and the delete: as kube-apiserver's GuaranteedUpdate does, read
  // again, check the preconditions against the new version and try again.
  constexpr int kAttempts = 8;
  for (int attempt = 1; attempt < kAttempts; ++attempt) {
    if (TryDelete(call)) return;
  }
  if (!TryDelete(call)) {
    SendStatus(call, apistatus::Conflict(call.resource->group, call.resource->resource,
                                         call.info.name,
                                         "the object is being modified too often; try again"));
  }
}

bool Api::TryDelete(Call& call) {
  auto old = registry_.Get(*call.resource, call.info.namespace_, call.info.name);
  if (!old.ok()) {
    SendError(call, old.error(), call.info.name);
    return true;
  }
  // DeleteOptions.preconditions (uid, resourceVersion) from the body, when sent.
  if (!call.request.body.empty()) {
    auto options = model::ParseJson(call.request.body);
    if (options.ok() && options->is_object() && options->contains("preconditions") &&
        (*options)["preconditions"].is_object()) {
      const json& pre = (*options)["preconditions"];
      std::string uid = pre.value("uid", "");
      std::string rv = pre.value("resourceVersion", "");
      const json& meta = (*old)["metadata"];
      if ((!uid.empty() && uid != meta.value("uid", "")) ||
          (!rv.empty() && rv != meta.value("resourceVersion", ""))) {
        std::string what = !uid.empty() && uid != meta.value("uid", "")
                               ? "UID in precondition: " + uid + ", UID in object meta: " +
                                     meta.value("uid", "")
                               : "ResourceVersion in precondition: " + rv +
                                     ", ResourceVersion in object meta: " +
                                     meta.value("resourceVersion", "");
        SendStatus(call, apistatus::Conflict(call.resource->group, call.resource->resource,
                                             call.info.name,
                                             "Precondition failed: " + what));
        return true;
      }
    }
  }
  const json& meta = (*old)["metadata"];
  if (call.resource->kind == "Namespace") {
    // Graceful: mark Terminating now, delete the contents and then the Namespace in the
    // background (kubectl waits for it to disappear).
    if (!meta.contains("deletionTimestamp") && !DryRun(call)) {
      json terminating = *old;
      terminating["metadata"]["deletionTimestamp"] = NowRfc3339();
      terminating["metadata"]["deletionGracePeriodSeconds"] = 0;
      terminating["status"]["phase"] = "Terminating";
      auto rev = ParseResourceVersion(meta.value("resourceVersion", ""));
      auto updated = registry_.Update(*call.resource, terminating, rev.value_or(0));
      if (!updated.ok() && updated.error().code == ErrorCode::kConflict) return false;
      if (!updated.ok()) {
        SendError(call, updated.error(), call.info.name);
        return true;
      }
      RequestNamespaceCleanup(call.info.name);
      SendOut(call, 200, std::move(*updated));
      return true;
    }
    SendOut(call, 200, std::move(*old));
    return true;
  }
  if (DryRun(call)) {
    SendOut(call, 200, std::move(*old));
    return true;
  }
  auto rev = ParseResourceVersion(meta.value("resourceVersion", ""));
  auto deleted = registry_.Delete(*call.resource, call.info.namespace_, call.info.name,
                                  rev.value_or(0));
  if (!deleted.ok() && deleted.error().code == ErrorCode::kConflict) return false;
  if (!deleted.ok()) {
    SendError(call, deleted.error(), call.info.name);
    return true;
  }
  if (!DryRun(call)) AfterWrite(tokens_, *call.resource, *old, nullptr);
  json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", json::object()},
                 {"status", "Success"},
                 {"details",
                  {{"name", call.info.name},
                   {"kind", std::string(call.resource->resource)},
                   {"uid", meta.value("uid", "")}}}};
  if (!call.resource->group.empty()) status["details"]["group"] = std::string(call.resource->group);
  SendJson(call, 200, status);
  return true;
}

void Api::DeleteCollection(Call& call) {
  ListOptions options;
  if (!ReadListOptions(call, options)) return;
  options.limit = 0;
  options.continue_token.clear();
  auto list = registry_.List(*call.resource, call.info.namespace_, options);
  if (!list.ok()) return SendError(call, list.error(), "");
  ListResult deleted;
  deleted.revision = list->revision;
  for (json& item : list->items) {
    std::string name = MetaName(item);
    std::string ns = item["metadata"].value("namespace", "");
    if (call.resource->kind == "Namespace") {
      RequestNamespaceCleanup(name);
      deleted.items.push_back(std::move(item));
      continue;
    }
    if (!DryRun(call)) {
      auto gone = registry_.Delete(*call.resource, ns, name, 0);
      if (!gone.ok()) {
        if (gone.error().code == ErrorCode::kNotFound) continue;
        return SendError(call, gone.error(), name);
      }
      deleted.revision = std::max(deleted.revision, registry_.store()->CurrentRevision());
      AfterWrite(tokens_, *call.resource, item, nullptr);
    }
    RedactForClient(*call.resource, item);
    deleted.items.push_back(std::move(item));
  }
  call.accept.table = false;
  SendList(call, deleted);
}

}  // namespace waygate::api

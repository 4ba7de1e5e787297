#include "api/admission.h"

#include <ctime>
#include <random>

#include "annotations/parse.h"
#include "base/log.h"
#include "iam/users.h"
#include "model/decode_json.h"
#include "model/field_path.h"
#include "model/names.h"
#include "model/validate.h"
#include "pki/base64.h"
#include "rbac/rbac.h"
#include "route/settings.h"

namespace waygate::api {
namespace {

using nlohmann::json;

std::string RandomUid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng();
  uint64_t b = rng();
  // Version 4 UUID, as kube's uuid.NewUUID.
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
           static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
           static_cast<unsigned>(b >> 48),
           static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

json& Meta(json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  return object["metadata"];
}

void CopyField(const json& from, json& to, const char* key) {
  auto it = from.find(key);
  if (it != from.end()) {
    to[key] = *it;
  } else {
    to.erase(key);
  }
}

// Everything outside metadata and status: what metadata.generation counts changes of.
json SpecPart(const json& object) {
  json out = object;
  if (out.is_object()) {
    out.erase("metadata");
    out.erase("status");
    out.erase("apiVersion");
    out.erase("kind");
  }
  return out;
}

void SetCreator(json& meta, const std::string& creator) {
  if (creator.empty()) {
    if (meta.contains("annotations") && meta["annotations"].is_object()) {
      meta["annotations"].erase(kCreatorAnnotation);
      if (meta["annotations"].empty()) meta.erase("annotations");
    }
    return;
  }
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
    meta["annotations"] = json::object();
  }
  meta["annotations"][kCreatorAnnotation] = creator;
}

void DefaultService(json& object) {
  json& spec = object["spec"];
  if (!spec.is_object()) return;
  if (!spec.contains("type")) spec["type"] = "ClusterIP";
  if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
  std::string type = spec.value("type", "ClusterIP");
  if (type != "ExternalName") {
    if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
    if (!spec.contains("ipFamilies")) spec["ipFamilies"] = json::array({"IPv4"});
    if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
    if (!spec.contains("clusterIP")) {
      // A virtual IP from kube's default service range (10.96.0.0/12). Waygate routes to
      // Endpoints, never to cluster IPs, so this only has to look and behave like kube's.
      static thread_local std::mt19937 rng{std::random_device{}()};
      uint32_t host = 10u << 24 | 96u << 16 | (rng() & 0xfffff);
      if ((host & 0xff) == 0) host |= 1;
      std::string ip = std::to_string(host >> 24) + "." + std::to_string((host >> 16) & 0xff) +
                       "." + std::to_string((host >> 8) & 0xff) + "." +
                       std::to_string(host & 0xff);
      spec["clusterIP"] = ip;
      spec["clusterIPs"] = json::array({ip});
    }
  }
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (json& port : spec["ports"]) {
      if (!port.is_object()) continue;
      if (!port.contains("protocol")) port["protocol"] = "TCP";
      if (!port.contains("targetPort") && port.contains("port")) port["targetPort"] = port["port"];
    }
  }
}

bool IsUser(const ResourceInfo& info) {
  return info.group == iam::kUserGroup && info.kind == "User";
}

bool IsRbac(const ResourceInfo& info) { return info.group == "rbac.authorization.k8s.io"; }

bool IsBinding(const ResourceInfo& info) {
  return IsRbac(info) && (info.kind == "RoleBinding" || info.kind == "ClusterRoleBinding");
}

// SetDefaults_RoleBinding / SetDefaults_Subject (rbac/v1): what kube stores, so that a roleRef
// sent without apiGroup compares equal to the stored one on the next update.
void DefaultBinding(json& object) {
  constexpr const char* kGroup = "rbac.authorization.k8s.io";
  auto ref = object.find("roleRef");
  if (ref != object.end() && ref->is_object()) {
    auto group = ref->find("apiGroup");
    if (group == ref->end() || group->is_null() ||
        (group->is_string() && group->get_ref<const std::string&>().empty())) {
      (*ref)["apiGroup"] = kGroup;
    }
  }
  auto subjects = object.find("subjects");
  if (subjects == object.end() || !subjects->is_array()) return;
  for (json& subject : *subjects) {
    if (!subject.is_object()) continue;
    auto kind = subject.find("kind");
    if (kind == subject.end() || !kind->is_string()) continue;
    const std::string& k = kind->get_ref<const std::string&>();
    if (k != "User" && k != "Group") continue;
    auto group = subject.find("apiGroup");
    if (group == subject.end() || group->is_null() ||
        (group->is_string() && group->get_ref<const std::string&>().empty())) {
      subject["apiGroup"] = kGroup;
    }
  }
}

void ApplyDefaults(const ResourceInfo& info, json& object) {
  if (IsBinding(info)) {
    DefaultBinding(object);
  } else if (info.kind == "Service") {
    DefaultService(object);
  } else if (info.kind == "Secret") {
    if (!object.contains("type")) object["type"] = "Opaque";
    // stringData is write-only: kube folds it into data (base64) before storing.
    auto string_data = object.find("stringData");
    if (string_data != object.end() && string_data->is_object()) {
      for (auto& [k, v] : string_data->items()) {
        if (v.is_string()) object["data"][k] = pki::Base64Encode(v.get<std::string>());
      }
      object.erase("stringData");
    }
  } else if (info.kind == "Namespace") {
    json& meta = Meta(object);
    // Set by kube since 1.21 so selectors can name namespaces.
    meta["labels"]["kubernetes.io/metadata.name"] = meta.value("name", "");
    if (!object.contains("spec") || !object["spec"].is_object() ||
        !object["spec"].contains("finalizers")) {
      object["spec"]["finalizers"] = json::array({"kubernetes"});
    }
  }
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xc0) != 0x80) ++n;
  }
  return n;
}

// metadata of any kind, read leniently into the typed form the shared validator takes.
model::ObjectMeta ReadMeta(const json& object, model::ErrorList& errs) {
  model::ObjectMeta meta;
  model::FieldPath md("metadata");
  const json& m = object.contains("metadata") ? object["metadata"] : json::object();
  meta.name = m.value("name", "");
  meta.namespace_ = m.value("namespace", "");
  for (const char* field : {"labels", "annotations"}) {
    auto it = m.find(field);
    if (it == m.end() || it->is_null()) continue;
    model::FieldPath fp = md.Child(field);
    if (!it->is_object()) {
      errs.WrongType(fp, "map[string]string", it->type_name());
      continue;
    }
    for (auto& [k, v] : it->items()) {
      if (!v.is_string()) {
        errs.WrongType(fp.Key(k), "string", v.type_name());
        continue;
      }
      (std::string_view(field) == "labels" ? meta.labels : meta.annotations)[k] =
          v.get<std::string>();
    }
  }
  return meta;
}

void ValidateKubeSphereAnnotations(const json& object, model::ErrorList& errs) {
  if (!object.contains("metadata") || !object["metadata"].contains("annotations")) return;
  const json& annotations = object["metadata"]["annotations"];
  if (!annotations.is_object()) return;
  model::FieldPath md("metadata");
  model::FieldPath ap = md.Child("annotations");
  struct Bound {
    const char* key;
    size_t max;
  };
  for (Bound b : {Bound{kAliasAnnotation, 63}, Bound{kDescriptionAnnotation, 256}}) {
    auto it = annotations.find(b.key);
    if (it == annotations.end() || !it->is_string()) continue;
    std::string value = it->get<std::string>();
    if (Utf8Length(value) > b.max) {
      model::FieldPath kp = ap.Key(b.key);
      errs.Invalid(kp, value,
                   "must be no more than " + std::to_string(b.max) + " characters");
    }
  }
}

// nginx.ingress.kubernetes.io/* on an Ingress: every value typed and validated here, so a bad
// CIDR, regex, size or cookie attribute is a 422 naming the annotation instead of an Ingress the
// gateways silently skip; the *-snippet keys are refused whatever their value. Unsupported keys
// pass (IngressEvents reports them as Warning Events).
void ValidateIngressAnnotations(const json& object, model::ErrorList& errs) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) return;
  const json& meta = object["metadata"];
  auto found = meta.find("annotations");
  if (found == meta.end() || !found->is_object()) return;
  model::StringMap annotations;
  for (const auto& [key, value] : found->items()) {
    if (value.is_string() && key.starts_with(annotations::kPrefix)) {
      annotations[key] = value.get<std::string>();
    }
  }
  if (annotations.empty()) return;
  std::string ns = meta.contains("namespace") && meta["namespace"].is_string()
                       ? meta["namespace"].get<std::string>()
                       : std::string("default");
  model::FieldPath md("metadata");
  model::FieldPath ap = md.Child("annotations");
  auto report = [&](const std::string& key, const Error& error) {
    auto value = annotations.find(key);
    model::FieldPath kp = ap.Key(key);
    errs.Invalid(kp, value != annotations.end() ? value->second : std::string(), error.message);
  };
  for (const Error& error : annotations::ValidateAnnotations(annotations, ns)) {
    // The parser names the field "metadata.annotations[<key>]"; take the key back out.
    std::string_view field = error.field;
    constexpr std::string_view kOpen = "metadata.annotations[";
    std::string key = field.starts_with(kOpen) && field.ends_with("]")
                          ? std::string(field.substr(kOpen.size(), field.size() - kOpen.size() - 1))
                          : std::string();
    report(key, error);
  }
  // The keys the route settings own (timeouts, body size, load-balance, backend-protocol...),
  // one at a time so that every bad one is reported.
  for (const auto& [key, value] : annotations) {
    model::StringMap one{{key, value}};
    auto parsed = route::ParseRouteAnnotations(one, route::RouteSettings{});
    if (!parsed) report(key, parsed.error());
  }
}

// Go's %#v of the rbac.RoleRef kube's "cannot change roleRef" prints.
std::string GoRoleRef(const json& ref) {
  auto field = [&](const char* key) {
    return ref.is_object() && ref.contains(key) && ref[key].is_string()
               ? ref[key].get<std::string>()
               : std::string();
  };
  return "rbac.RoleRef{APIGroup:" + model::Quote(field("apiGroup")) +
         ", Kind:" + model::Quote(field("kind")) + ", Name:" + model::Quote(field("name")) + "}";
}

// Roles and bindings: rbac's decoder is the validator (it is what the authorizer will read, so
// whatever it refuses must never be stored). Names follow kube's RBAC rule (path segments:
// "system:controller:x" is a valid name), not the DNS rule of other kinds.
void ValidateRbac(const ResourceInfo& info, const json& object, const json* old,
                  model::ErrorList& errs) {
  model::ErrorList meta_errs;
  ReadMeta(object, meta_errs);  // labels and annotations must be maps of strings
  for (const Error& e : meta_errs.errors()) errs.Add(e);
  bool binding = IsBinding(info);
  if (binding) {
    if (auto decoded = rbac::BindingFromJson(object); !decoded.ok()) errs.Add(decoded.error());
  } else if (auto decoded = rbac::RoleFromJson(object); !decoded.ok()) {
    errs.Add(decoded.error());
  }
  if (binding && old != nullptr) {
    json before = old->contains("roleRef") ? (*old)["roleRef"] : json();
    json after = object.contains("roleRef") ? object["roleRef"] : json();
    if (before != after) {
      model::FieldPath ref("roleRef");
      errs.InvalidRaw(ref, GoRoleRef(after), "cannot change roleRef");
    }
  }
}

void ValidateGeneric(const ResourceInfo& info, const json& object, model::ErrorList& errs) {
  model::ObjectMeta meta = ReadMeta(object, errs);
  if (info.kind == "Namespace") {
    model::FieldPath md("metadata");
    model::FieldPath name = md.Child("name");
    if (meta.name.empty()) {
      errs.Required(name, "name or generateName is required");
    } else {
      errs.InvalidEach(name, meta.name, model::IsDNS1123Label(meta.name));
    }
    model::ObjectMeta rest = meta;
    rest.name = "x";  // name checked above with the stricter label rule
    model::ErrorList other;
    model::ValidateObjectMeta(rest, false, model::NameRule::kDNS1123Subdomain, other);
    for (const Error& e : other.errors()) errs.Add(e);
    return;
  }
  model::ValidateObjectMeta(meta, info.namespaced, model::NameRule::kDNS1123Subdomain, errs);
  if (info.kind == "ConfigMap") {
    for (const char* field : {"data", "binaryData"}) {
      auto it = object.find(field);
      if (it == object.end() || !it->is_object()) continue;
      model::FieldPath fp(field);
      for (auto& [k, v] : it->items()) {
        errs.InvalidEach(fp, k, model::IsConfigMapKey(k));
        (void)v;
      }
    }
  }
}

}  // namespace

std::string NowRfc3339() {
  char buf[32];
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string GenerateName(std::string_view base) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  static thread_local std::mt19937 rng{std::random_device{}()};
  // kube truncates the base so the result stays within 63 characters.
  std::string out(base.substr(0, std::min<size_t>(base.size(), 58)));
  for (int i = 0; i < 5; ++i) out += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return out;
}

void PrepareForCreate(const ResourceInfo& info, json& object, const WriteContext& ctx) {
  json& meta = Meta(object);
  meta["uid"] = RandomUid();
  meta["creationTimestamp"] = ctx.now;
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  if (info.has_generation) {
    meta["generation"] = 1;
  } else {
    meta.erase("generation");
  }
  // Never trusted from the client: the server says who created it.
  SetCreator(meta, ctx.user);
  if (info.kind == "Namespace") {
    object["status"] = json{{"phase", "Active"}};
  } else if (info.has_status) {
    object.erase("status");
  }
  ApplyDefaults(info, object);
}

void PrepareForUpdate(const ResourceInfo& info, const json& old, json& object,
                      bool status_subresource, const WriteContext& ctx) {
  (void)ctx;
  const json& old_meta = old.contains("metadata") ? old["metadata"] : json::object();
  if (status_subresource) {
    // Only status changes through /status (metadata edits too are dropped, as kube does for
    // most kinds).
    json status = object.contains("status") ? object["status"] : json();
    json rv = Meta(object).value("resourceVersion", json());
    object = old;
    if (status.is_null()) {
      object.erase("status");
    } else {
      object["status"] = status;
    }
    if (!rv.is_null()) Meta(object)["resourceVersion"] = rv;
    return;
  }
  json& meta = Meta(object);
  for (const char* key : {"uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds"}) {
    CopyField(old_meta, meta, key);
  }
  meta.erase("selfLink");
  std::string creator;
  if (old_meta.contains("annotations") && old_meta["annotations"].is_object()) {
    creator = old_meta["annotations"].value(kCreatorAnnotation, "");
  }
  SetCreator(meta, creator);
  if (info.has_status || info.kind == "Namespace") CopyField(old, object, "status");
  if (info.has_generation) {
    int64_t generation = old_meta.value("generation", int64_t{1});
    if (SpecPart(old) != SpecPart(object)) ++generation;
    meta["generation"] = generation;
  } else {
    meta.erase("generation");
  }
  ApplyDefaults(info, object);
  if (info.kind == "Service" && old.contains("spec") && object.contains("spec") &&
      object["spec"].is_object()) {
    // The allocated cluster IP stays unless the client names one (validation rejects changes).
    for (const char* key : {"clusterIP", "clusterIPs"}) {
      if (old["spec"].contains(key) && !object["spec"].contains(key)) {
        object["spec"][key] = old["spec"][key];
      }
    }
  }
}

std::vector<Error> Validate(const ResourceInfo& info, const json& object, const json* old) {
  model::ErrorList errs;
  static constexpr std::string_view kModelKinds[] = {
      "Ingress", "IngressClass", "Service", "Endpoints", "EndpointSlice", "Secret", "Gateway"};
  bool model_kind = false;
  for (std::string_view k : kModelKinds) model_kind = model_kind || k == info.kind;
  if (IsRbac(info)) {
    ValidateRbac(info, object, old, errs);
  } else if (model_kind) {
    model::ClusterState state;
    std::vector<model::Diagnostic> diagnostics;
    model::DecodeObject(object, model::Origin{}, state, diagnostics);
    for (model::Diagnostic& d : diagnostics) errs.Add(std::move(d.error));
  } else {
    ValidateGeneric(info, object, errs);
  }
  ValidateKubeSphereAnnotations(object, errs);
  if (info.kind == "Ingress") ValidateIngressAnnotations(object, errs);
  if (old != nullptr) {
    model::FieldPath root;
    if (info.kind == "Secret" || info.kind == "ConfigMap") {
      if (old->value("immutable", false)) {
        for (const char* field : {"data", "stringData", "binaryData"}) {
          json before = old->contains(field) ? (*old)[field] : json();
          json after = object.contains(field) ? object[field] : json();
          if (before != after && std::string_view(field) != "stringData") {
            model::FieldPath fp(field);
            errs.Forbidden(fp, "field is immutable when `immutable` is set");
          }
        }
      }
      if (info.kind == "Secret" && old->value("type", "Opaque") != object.value("type", "Opaque")) {
        model::FieldPath fp("type");
        errs.Invalid(fp, object.value("type", ""), "field is immutable");
      }
    }
    if (info.kind == "Service" && old->contains("spec") && object.contains("spec")) {
      std::string before = (*old)["spec"].value("clusterIP", "");
      std::string after = object["spec"].value("clusterIP", "");
      if (!before.empty() && before != after && after != "" &&
          (*old)["spec"].value("type", "") == object["spec"].value("type", "")) {
        model::FieldPath spec("spec");
        model::FieldPath ip = spec.Child("clusterIP");
        errs.Invalid(ip, after, "field is immutable");
      }
    }
  }
  return errs.Take();
}

std::vector<Error> AdmitBeforeStore(const ResourceInfo& info, json& object, const json* old) {
  if (!IsUser(info)) return {};
  return iam::AdmitUser(object, old, nullptr);
}

void RedactForClient(const ResourceInfo& info, json& object) {
  if (IsUser(info)) iam::RedactUser(object);
}

bool HasRedactedFields(const ResourceInfo& info) { return IsUser(info); }

void AfterWrite(iam::TokenStore& tokens, const ResourceInfo& info, const json& old,
                const json& now) {
  if (!IsUser(info)) return;
  if (!now.is_null() && iam::StoredPasswordHash(old) == iam::StoredPasswordHash(now)) return;
  std::string name = old.contains("metadata") && old["metadata"].is_object()
                         ? old["metadata"].value("name", "")
                         : std::string();
  if (name.empty()) return;
  if (auto revoked = tokens.RevokeUser(name); !revoked.ok()) {
    log::Warn("api: tokens of user " + name + " not revoked: " + revoked.error().ToString());
  }
}

}  // namespace waygate::api

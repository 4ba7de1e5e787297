#include "controller/ingress_refs.h"

#include <algorithm>

#include "annotations/parse.h"
#include "model/base64.h"
#include "route/settings.h"
#include "tls/certificate.h"

namespace waygate::controller {
namespace {

using nlohmann::json;

// The member `field` of `object` when it has the wanted JSON type, else nullptr. Stored objects
// passed admission, but a watch hands us bytes: never let a surprise throw.
const json* Member(const json& object, std::string_view field) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(field);
  return it == object.end() ? nullptr : &*it;
}

std::string StringAt(const json& object, std::string_view field) {
  const json* v = Member(object, field);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

void AddBackend(const json* backend, std::vector<ServiceRef>& out) {
  if (backend == nullptr) return;
  const json* service = Member(*backend, "service");
  if (service == nullptr) return;  // a `resource` backend names no Service
  ServiceRef ref;
  ref.service = StringAt(*service, "name");
  if (ref.service.empty()) return;
  if (const json* port = Member(*service, "port")) {
    const json* number = Member(*port, "number");
    if (number != nullptr && number->is_number_integer()) ref.port_number = number->get<int64_t>();
    ref.port_name = StringAt(*port, "name");
  }
  out.push_back(std::move(ref));
}

std::string Quoted(std::string_view ns, std::string_view name) {
  std::string out = "\"";
  out += ns;
  out += '/';
  out += name;
  out += '"';
  return out;
}

bool IsSupportedKey(std::string_view key) {
  const auto& keys = annotations::SupportedKeys();
  return std::any_of(keys.begin(), keys.end(), [&](const auto& info) { return info.key == key; });
}

// The same verdicts as admission (api/admission.cc) and the gateways' compiler, as Warnings.
std::vector<Problem> AnnotationProblems(const json& meta, const std::string& ns) {
  std::vector<Problem> problems;
  const json* found = Member(meta, "annotations");
  if (found == nullptr || !found->is_object()) return problems;
  model::StringMap annotations;
  for (const auto& [key, value] : found->items()) {
    if (value.is_string() && key.starts_with(annotations::kPrefix)) {
      annotations[key] = value.get<std::string>();
    }
  }
  for (const auto& [key, value] : annotations) {
    std::string_view short_key = std::string_view(key).substr(annotations::kPrefix.size());
    if (!IsSupportedKey(short_key) && !annotations::IsRefusedKey(short_key)) {
      problems.push_back(Problem{std::string(kReasonUnsupportedAnnotation),
                                 "annotation " + key + " is not supported"});
    }
  }
  for (const Error& error : annotations::ValidateAnnotations(annotations, ns)) {
    problems.push_back(Problem{std::string(kReasonInvalidAnnotation),
                               error.field + ": " + error.message});
  }
  for (const auto& [key, value] : annotations) {
    auto parsed = route::ParseRouteAnnotations(model::StringMap{{key, value}}, route::RouteSettings{});
    if (!parsed) {
      problems.push_back(Problem{std::string(kReasonInvalidAnnotation),
                                 "metadata.annotations[" + key + "]: " + parsed.error().message});
    }
  }
  return problems;
}

}  // namespace

IngressRefs ParseIngressRefs(const json& ingress, std::string resource_version) {
  IngressRefs refs;
  refs.resource_version = std::move(resource_version);
  if (const json* meta = Member(ingress, "metadata")) {
    refs.namespace_ = StringAt(*meta, "namespace");
    refs.name = StringAt(*meta, "name");
    refs.uid = StringAt(*meta, "uid");
    refs.annotation_problems = AnnotationProblems(*meta, refs.namespace_);
  }
  const json* spec = Member(ingress, "spec");
  if (spec == nullptr) return refs;
  AddBackend(Member(*spec, "defaultBackend"), refs.services);
  if (const json* rules = Member(*spec, "rules"); rules != nullptr && rules->is_array()) {
    for (const json& rule : *rules) {
      const json* http = Member(rule, "http");
      const json* paths = http != nullptr ? Member(*http, "paths") : nullptr;
      if (paths == nullptr || !paths->is_array()) continue;
      for (const json& path : *paths) AddBackend(Member(path, "backend"), refs.services);
    }
  }
  if (const json* tls = Member(*spec, "tls"); tls != nullptr && tls->is_array()) {
    for (const json& entry : *tls) {
      std::string secret = StringAt(entry, "secretName");
      // No secretName: the gateway serves its default certificate, which is not a problem.
      if (!secret.empty()) refs.secrets.push_back(std::move(secret));
    }
  }
  return refs;
}

ServiceSummary SummarizeService(const json& service) {
  ServiceSummary summary;
  const json* spec = Member(service, "spec");
  if (spec == nullptr) return summary;
  summary.external_name = StringAt(*spec, "type") == "ExternalName";
  if (const json* ports = Member(*spec, "ports"); ports != nullptr && ports->is_array()) {
    for (const json& port : *ports) {
      const json* number = Member(port, "port");
      int64_t value = number != nullptr && number->is_number_integer() ? number->get<int64_t>() : 0;
      summary.ports.emplace_back(StringAt(port, "name"), value);
    }
  }
  return summary;
}

SecretSummary SummarizeSecret(const json& secret, std::chrono::system_clock::time_point now) {
  SecretSummary summary;
  summary.type = StringAt(secret, "type");
  if (summary.type.empty()) summary.type = "Opaque";  // kube's default
  // Values are base64 text in storage; an empty value is as unusable as a missing key.
  const json* data = Member(secret, "data");
  if (data == nullptr) return summary;
  std::string crt_b64 = StringAt(*data, "tls.crt");
  std::string key_b64 = StringAt(*data, "tls.key");
  summary.has_crt = !crt_b64.empty();
  summary.has_key = !key_b64.empty();
  if (summary.type != "kubernetes.io/tls" || !summary.has_crt || !summary.has_key) return summary;
  // The same check the gateways run before serving it, so the Event says what they will do.
  std::string crt, key;
  if (model::DecodeBase64(crt_b64, crt).has_value() ||
      model::DecodeBase64(key_b64, key).has_value()) {
    summary.invalid = "data is not valid base64";
    return summary;
  }
  auto certificate = tls::Certificate::FromSecretData(crt, key, now, "");
  if (!certificate.ok()) summary.invalid = certificate.error().message;
  return summary;
}

std::vector<Problem> CheckIngress(const IngressRefs& ingress, const ServiceLookup& services,
                                  const SecretLookup& secrets) {
  std::vector<Problem> problems;
  auto add = [&](std::string_view reason, std::string message) {
    Problem p{std::string(reason), std::move(message)};
    if (std::find(problems.begin(), problems.end(), p) == problems.end()) {
      problems.push_back(std::move(p));
    }
  };
  const std::string& ns = ingress.namespace_;
  for (const Problem& problem : ingress.annotation_problems) add(problem.reason, problem.message);
  for (const ServiceRef& ref : ingress.services) {
    std::string who = "service " + Quoted(ns, ref.service);
    const ServiceSummary* service = services(ref.service);
    if (service == nullptr) {
      add(kReasonServiceNotFound, who + " not found");
      continue;
    }
    if (ref.port_number) {
      // An ExternalName Service forwards to whatever port the Ingress names (as ingress-nginx
      // does), so a number needs no matching entry there.
      bool found = service->external_name ||
                   std::any_of(service->ports.begin(), service->ports.end(),
                               [&](const auto& p) { return p.second == *ref.port_number; });
      if (!found) {
        add(kReasonServicePortNotFound, who + " has no port " + std::to_string(*ref.port_number));
      }
    } else if (!ref.port_name.empty()) {
      bool found = std::any_of(service->ports.begin(), service->ports.end(),
                               [&](const auto& p) { return p.first == ref.port_name; });
      if (!found) {
        add(kReasonServicePortNotFound, who + " has no port named \"" + ref.port_name + "\"");
      }
    }
  }
  for (const std::string& name : ingress.secrets) {
    std::string who = "secret " + Quoted(ns, name);
    const SecretSummary* secret = secrets(name);
    if (secret == nullptr) {
      add(kReasonSecretNotFound, who + " not found");
    } else if (secret->type != "kubernetes.io/tls") {
      add(kReasonSecretInvalid,
          who + " is of type \"" + secret->type + "\", not \"kubernetes.io/tls\"");
    } else if (!secret->has_crt || !secret->has_key) {
      add(kReasonSecretInvalid, who + " has no " + (secret->has_crt ? "tls.key" : "tls.crt"));
    } else if (!secret->invalid.empty()) {
      add(kReasonSecretInvalid,
          who + ": " + secret->invalid + "; its hosts are served with the default certificate");
    }
  }
  return problems;
}

}  // namespace waygate::controller

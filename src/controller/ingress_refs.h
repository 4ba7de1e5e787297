// What an Ingress names (Services with ports, TLS Secrets) and the check of those names against
// what exists. Pure functions over JSON: no store, no clock, no threads.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace waygate::controller {

// One Warning an Ingress deserves: a reason (CamelCase) and a sentence naming the object.
struct Problem {
  std::string reason;
  std::string message;
  bool operator==(const Problem&) const = default;
};

// One backend's Service reference: port by number xor by name.
struct ServiceRef {
  std::string service;
  std::optional<int64_t> port_number;
  std::string port_name;
  bool operator==(const ServiceRef&) const = default;
};

struct IngressRefs {
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::vector<ServiceRef> services;  // defaultBackend first, then rules in order
  std::vector<std::string> secrets;  // spec.tls[].secretName, empty names skipped
  // nginx.ingress.kubernetes.io/* keys Waygate does not implement, values that do not parse
  // (objects stored before a rule existed; admission refuses new ones) and refused snippets.
  // They depend on the Ingress alone, so they are worked out once, when it is parsed.
  std::vector<Problem> annotation_problems;
};

// The parts of a Service an Ingress depends on; equal summaries mean no Ingress verdict changes.
struct ServiceSummary {
  bool external_name = false;
  std::vector<std::pair<std::string, int64_t>> ports;  // (name, port) from spec.ports
  bool operator==(const ServiceSummary&) const = default;
};

struct SecretSummary {
  std::string type;
  bool has_crt = false;
  bool has_key = false;
  // Why tls.crt / tls.key cannot be served (malformed PEM, key mismatch, expired...), as the
  // gateways' certificate loader says it; empty when they can.
  std::string invalid;
  bool operator==(const SecretSummary&) const = default;
};

// `resource_version` is passed separately: the stored JSON does not carry it.
IngressRefs ParseIngressRefs(const nlohmann::json& ingress, std::string resource_version);
ServiceSummary SummarizeService(const nlohmann::json& service);
// `now` decides the validity window of the certificate.
SecretSummary SummarizeSecret(const nlohmann::json& secret,
                              std::chrono::system_clock::time_point now);

// Warning reasons, CamelCase as kube components write them. ingress-nginx only logs these
// cases (its events are Sync/RELOAD), so the words follow kube's own NotFound vocabulary.
inline constexpr std::string_view kReasonServiceNotFound = "ServiceNotFound";
inline constexpr std::string_view kReasonServicePortNotFound = "ServicePortNotFound";
inline constexpr std::string_view kReasonSecretNotFound = "SecretNotFound";
inline constexpr std::string_view kReasonSecretInvalid = "SecretInvalid";
// A key the gateways ignore: never a silent broken promise (message "annotation <key> is not
// supported").
inline constexpr std::string_view kReasonUnsupportedAnnotation = "UnsupportedAnnotation";
// A value the gateways refuse, so they skip the Ingress (message names key and reason).
inline constexpr std::string_view kReasonInvalidAnnotation = "InvalidAnnotation";

// Lookups by name in the Ingress's namespace; nullptr when the object does not exist.
using ServiceLookup = std::function<const ServiceSummary*(std::string_view name)>;
using SecretLookup = std::function<const SecretSummary*(std::string_view name)>;

// Every distinct problem, in spec order (a Service named by three paths is reported once).
std::vector<Problem> CheckIngress(const IngressRefs& ingress, const ServiceLookup& services,
                                  const SecretLookup& secrets);

}  // namespace waygate::controller

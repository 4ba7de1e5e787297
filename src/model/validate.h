// Validation of decoded objects, rule for rule and word for word as kube-apiserver validates
// them on create (pkg/apis/*/validation), so a manifest Waygate accepts is one Kubernetes
// accepts. Errors carry the Kubernetes field path. Checks that need the raw document (a
// missing pathType, a bad base64 value) happen while decoding, in decode_objects.cc.
#pragma once

#include "model/field_path.h"
#include "model/objects.h"

namespace waygate::model {

enum class NameRule { kDNS1123Subdomain, kDNS1035Label };

// metadata: name (required, by `rule`), namespace (DNS-1123 label when namespaced), labels,
// annotations.
void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameRule rule, ErrorList& errs);

void Validate(const Ingress& ingress, ErrorList& errs);
void Validate(const IngressClass& ingress_class, ErrorList& errs);
void Validate(const Service& service, ErrorList& errs);
void Validate(const Endpoints& endpoints, ErrorList& errs);
void Validate(const EndpointSlice& slice, ErrorList& errs);
void Validate(const Secret& secret, ErrorList& errs);
void Validate(const Gateway& gateway, ErrorList& errs);

}  // namespace waygate::model

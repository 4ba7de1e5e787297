// Parsing nginx.ingress.kubernetes.io/* annotations into a Policy (policy.h).
//
// One small parser per key (grouped by file: paths.cc, redirect.cc, upstream.cc, affinity.cc,
// access.cc, cors.cc, canary.cc, errors.cc); registry.cc maps each key to its parser and knows
// the keys that are refused outright (the *-snippet family: they are configuration text) and the
// keys route::ParseRouteAnnotations handles. Keys of other prefixes (kubesphere.io/*, ...) are
// never looked at.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "annotations/policy.h"
#include "base/result.h"
#include "model/objects.h"

namespace waygate::annotations {

inline constexpr std::string_view kPrefix = "nginx.ingress.kubernetes.io/";

struct Parsed {
  Policy policy;
  // True when at least one key of this module was present (the compiler keeps a null policy
  // pointer otherwise, so routes without annotations stay on the fast path).
  bool any = false;
  // Keys under kPrefix that Waygate does not implement: "annotation <key> is not supported",
  // field metadata.annotations[<key>], code kUnsupported. They never fail the parse.
  std::vector<Error> unsupported;
};

// `ingress_namespace` resolves auth-secret / default-backend ("name" or "<own ns>/name"; another
// namespace is refused). Fails on the first invalid value or refused key with code kInvalid and
// field "metadata.annotations[<full key>]"; the message says what is wrong ("invalid CIDR
// \"10.0.0/8\"", "snippet annotations are refused: ...").
Result<Parsed> ParseAnnotations(const model::StringMap& annotations,
                                std::string_view ingress_namespace);

// Every problem at once (admission reports them all in one 422): invalid values and refused keys.
// Unsupported keys are not errors (see Parsed::unsupported).
std::vector<Error> ValidateAnnotations(const model::StringMap& annotations,
                                       std::string_view ingress_namespace);

// For docs and the console's autocompletion: every key accepted (without the prefix), its
// default as text and a one-line description.
struct KeyInfo {
  std::string_view key;
  std::string_view default_value;
  std::string_view description;
};
const std::vector<KeyInfo>& SupportedKeys();

// True for the keys refused whatever their value (configuration-snippet, server-snippet, ...).
bool IsRefusedKey(std::string_view key_without_prefix);

}  // namespace waygate::annotations

// Canary: canary, canary-by-header(-value, -pattern), canary-by-cookie, canary-weight(-total).
#include <re2/re2.h>

#include "annotations/parsers.h"

namespace waygate::annotations::internal {

Status ParseCanary(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.canary.enabled = *parsed;
  return OkStatus();
}

Status ParseCanaryByHeader(std::string_view value, Draft& draft) {
  if (!IsToken(value)) {
    return Invalid("invalid canary-by-header " + Quoted(value) + ": want a header name");
  }
  draft.policy.canary.by_header = Lower(value);
  return OkStatus();
}

// Only compared with the request header, never sent anywhere: any visible ASCII.
Status ParseCanaryByHeaderValue(std::string_view value, Draft& draft) {
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return Invalid("invalid canary-by-header-value " + Quoted(value) + ": printable ASCII only");
    }
  }
  draft.policy.canary.by_header_value = std::string(value);
  return OkStatus();
}

// ingress-nginx matches the pattern with PCRE (ngx.re.match, unanchored); Waygate compiles it
// with RE2 (no backreferences or lookaround), matched unanchored and case-sensitive.
Status ParseCanaryByHeaderPattern(std::string_view value, Draft& draft) {
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(re2::StringPiece(value.data(), value.size()), options);
  if (!regex->ok()) {
    return Invalid("invalid regular expression " + Quoted(value) + ": " + regex->error());
  }
  draft.policy.canary.by_header_pattern = std::move(regex);
  return OkStatus();
}

Status ParseCanaryByCookie(std::string_view value, Draft& draft) {
  if (!IsCookieName(value)) {
    return Invalid("invalid canary-by-cookie " + Quoted(value) + ": want a cookie name");
  }
  draft.policy.canary.by_cookie = std::string(value);
  return OkStatus();
}

Status ParseCanaryWeight(std::string_view value, Draft& draft) {
  return SetUint32(value, draft.policy.canary.weight);
}

Status ParseCanaryWeightTotal(std::string_view value, Draft& draft) {
  Status set = SetUint32(value, draft.policy.canary.weight_total);
  if (set && draft.policy.canary.weight_total == 0) {
    return Invalid("canary-weight-total must be at least 1");
  }
  return set;
}

void FinishCanary(Draft& draft, std::vector<Error>& errors) {
  const CanaryPolicy& canary = draft.policy.canary;
  // ingress-nginx: "configured but not enabled" (its parser then fails the canary config).
  if (!canary.enabled &&
      (canary.weight > 0 || !canary.by_header.empty() || !canary.by_header_value.empty() ||
       canary.by_header_pattern || !canary.by_cookie.empty())) {
    errors.push_back(MakeError(ErrorCode::kInvalid,
                               "canary-* annotations are set but canary is not \"true\"",
                               FieldOf("canary")));
  }
  if (canary.weight > canary.weight_total) {
    errors.push_back(MakeError(ErrorCode::kInvalid,
                               "canary-weight " + std::to_string(canary.weight) +
                                   " is larger than canary-weight-total " +
                                   std::to_string(canary.weight_total),
                               FieldOf("canary-weight")));
  }
}

}  // namespace waygate::annotations::internal

// Sticky sessions: affinity, affinity-mode and the session-cookie-* keys. The cookie keys are
// parsed (and validated) whether or not affinity is "cookie"; they only take effect with it.
#include "annotations/parsers.h"

namespace waygate::annotations::internal {
namespace {

Status SetBool(std::string_view value, bool& out) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  out = *parsed;
  return OkStatus();
}

// ingress-nginx accepts "0" or a number of seconds; a negative number is refused here.
Status SetSeconds(std::string_view value, std::string_view key, uint32_t& out) {
  auto parsed = ParseUint32(value);
  if (!parsed) {
    return Invalid("invalid " + std::string(key) + " " + Quoted(value) +
                   ": want a number of seconds");
  }
  out = *parsed;
  return OkStatus();
}

}  // namespace

Status ParseAffinity(std::string_view value, Draft& draft) {
  if (value != "cookie") {
    return Invalid("unknown affinity type " + Quoted(value) + ": the only type is cookie");
  }
  draft.policy.affinity.cookie = true;
  return OkStatus();
}

Status ParseAffinityMode(std::string_view value, Draft& draft) {
  if (value != "balanced" && value != "persistent") {
    return Invalid("unknown affinity-mode " + Quoted(value) + ": want balanced or persistent");
  }
  draft.policy.affinity.persistent = value == "persistent";
  return OkStatus();
}

Status ParseSessionCookieName(std::string_view value, Draft& draft) {
  if (!IsCookieName(value)) {
    return Invalid("invalid session-cookie-name " + Quoted(value) +
                   ": want a cookie name (letters, digits and !#$%&'*+-.^_`|~)");
  }
  draft.policy.affinity.name = std::string(value);
  return OkStatus();
}

Status ParseSessionCookiePath(std::string_view value, Draft& draft) {
  if (value.front() != '/') {
    return Invalid("invalid session-cookie-path " + Quoted(value) + ": must start with '/'");
  }
  auto problem = UrlTextProblem(value);
  if (!problem && value.find(';') != std::string_view::npos) problem = "';' is not allowed";
  if (problem) return Invalid("invalid session-cookie-path " + Quoted(value) + ": " + *problem);
  draft.policy.affinity.path = std::string(value);
  return OkStatus();
}

Status ParseSessionCookieMaxAge(std::string_view value, Draft& draft) {
  return SetSeconds(value, "session-cookie-max-age", draft.policy.affinity.max_age_s);
}

Status ParseSessionCookieExpires(std::string_view value, Draft& draft) {
  return SetSeconds(value, "session-cookie-expires", draft.policy.affinity.expires_s);
}

// A domain, with an optional leading '.' (browsers ignore it).
Status ParseSessionCookieDomain(std::string_view value, Draft& draft) {
  std::string_view name = value.front() == '.' ? value.substr(1) : value;
  if (!IsDnsName(name, false)) {
    return Invalid("invalid session-cookie-domain " + Quoted(value) + ": want a domain name");
  }
  draft.policy.affinity.domain = Lower(value);
  return OkStatus();
}

// None, Lax or Strict in any case (ingress-nginx compares lower-cased).
Status ParseSessionCookieSameSite(std::string_view value, Draft& draft) {
  std::string lower = Lower(value);
  AffinityPolicy::SameSite& samesite = draft.policy.affinity.samesite;
  if (lower == "none") {
    samesite = AffinityPolicy::SameSite::kNone;
  } else if (lower == "lax") {
    samesite = AffinityPolicy::SameSite::kLax;
  } else if (lower == "strict") {
    samesite = AffinityPolicy::SameSite::kStrict;
  } else {
    return Invalid("unknown SameSite " + Quoted(value) + ": want None, Lax or Strict");
  }
  return OkStatus();
}

Status ParseSessionCookieConditionalSameSiteNone(std::string_view value, Draft& draft) {
  return SetBool(value, draft.policy.affinity.conditional_samesite_none);
}

Status ParseSessionCookieSecure(std::string_view value, Draft& draft) {
  return SetBool(value, draft.policy.affinity.secure);
}

Status ParseSessionCookieChangeOnFailure(std::string_view value, Draft& draft) {
  return SetBool(value, draft.policy.affinity.change_on_failure);
}

}  // namespace waygate::annotations::internal

// Access control: source ranges, basic authentication, rate limits.
#include "annotations/parsers.h"

namespace waygate::annotations::internal {
namespace {

Status SetCidrs(std::string_view value, std::optional<CidrSet>& out) {
  auto parsed = CidrSet::Parse(value);
  if (!parsed) return parsed.error();
  out = std::move(*parsed);
  return OkStatus();
}

}  // namespace

Status ParseAllowlistSourceRange(std::string_view value, Draft& draft) {
  return SetCidrs(value, draft.allowlist);
}

Status ParseWhitelistSourceRange(std::string_view value, Draft& draft) {
  return SetCidrs(value, draft.whitelist);
}

Status ParseDenylistSourceRange(std::string_view value, Draft& draft) {
  auto parsed = CidrSet::Parse(value);
  if (!parsed) return parsed.error();
  draft.policy.access.deny = std::move(*parsed);
  return OkStatus();
}

// ingress-nginx also implements digest; Waygate refuses it by name rather than serving the
// location without the authentication its owner asked for.
Status ParseAuthType(std::string_view value, Draft& draft) {
  if (value == "basic") {
    draft.policy.auth.type = AuthPolicy::Type::kBasic;
    return OkStatus();
  }
  if (value == "digest") return Invalid("auth-type digest is not supported (use basic)");
  return Invalid("unknown auth-type " + Quoted(value) + ": want basic");
}

Status ParseAuthSecret(std::string_view value, Draft& draft) {
  auto name = SameNamespaceName(value, draft.ingress_namespace, "secret");
  if (!name) return name.error();
  if (!IsDns1123Subdomain(*name)) {
    return Invalid("invalid auth-secret " + Quoted(value) + ": want a Secret name");
  }
  draft.policy.auth.secret_namespace = std::string(draft.ingress_namespace);
  draft.policy.auth.secret_name = std::move(*name);
  return OkStatus();
}

Status ParseAuthSecretType(std::string_view value, Draft& draft) {
  if (value == "auth-file") {
    draft.policy.auth.secret_type = AuthPolicy::SecretType::kAuthFile;
  } else if (value == "auth-map") {
    draft.policy.auth.secret_type = AuthPolicy::SecretType::kAuthMap;
  } else {
    return Invalid("unknown auth-secret-type " + Quoted(value) + ": want auth-file or auth-map");
  }
  return OkStatus();
}

// The realm is quoted inside WWW-Authenticate: printable ASCII without '"' or '\'.
Status ParseAuthRealm(std::string_view value, Draft& draft) {
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      return Invalid("invalid auth-realm " + Quoted(value) +
                     ": printable ASCII without '\"' or '\\' only");
    }
  }
  draft.policy.auth.realm = std::string(value);
  return OkStatus();
}

Status ParseLimitRps(std::string_view value, Draft& draft) {
  return SetUint32(value, draft.policy.limits.rps);
}

Status ParseLimitRpm(std::string_view value, Draft& draft) {
  return SetUint32(value, draft.policy.limits.rpm);
}

Status ParseLimitConnections(std::string_view value, Draft& draft) {
  return SetUint32(value, draft.policy.limits.connections);
}

Status ParseLimitBurstMultiplier(std::string_view value, Draft& draft) {
  return SetUint32(value, draft.policy.limits.burst_multiplier);
}

Status ParseLimitAllowlist(std::string_view value, Draft& draft) {
  return SetCidrs(value, draft.limit_allowlist);
}

Status ParseLimitWhitelist(std::string_view value, Draft& draft) {
  return SetCidrs(value, draft.limit_whitelist);
}

void FinishAccess(Draft& draft, std::vector<Error>& errors) {
  // ingress-nginx reads an alias only when the primary key is empty or absent.
  if (draft.allowlist) {
    draft.policy.access.allow = std::move(*draft.allowlist);
  } else if (draft.whitelist) {
    draft.policy.access.allow = std::move(*draft.whitelist);
  }
  if (draft.limit_allowlist) {
    draft.policy.limits.whitelist = std::move(*draft.limit_allowlist);
  } else if (draft.limit_whitelist) {
    draft.policy.limits.whitelist = std::move(*draft.limit_whitelist);
  }
  // ingress-nginx denies such a location at run time; Waygate says so at admission.
  if (draft.policy.auth.type == AuthPolicy::Type::kBasic && draft.policy.auth.secret_name.empty()) {
    errors.push_back(MakeError(ErrorCode::kInvalid,
                               "auth-type basic needs an auth-secret naming the htpasswd Secret",
                               FieldOf("auth-secret")));
  }
}

}  // namespace waygate::annotations::internal

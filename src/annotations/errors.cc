// Errors and defaults: default-backend, custom-http-errors, enable-access-log.
#include <algorithm>

#include "annotations/parsers.h"

namespace waygate::annotations::internal {

// A Service of the Ingress's namespace: "name" or "<own namespace>/name".
Status ParseDefaultBackend(std::string_view value, Draft& draft) {
  auto name = SameNamespaceName(value, draft.ingress_namespace, "service");
  if (!name) return name.error();
  if (!IsDns1035Label(*name)) {
    return Invalid("invalid default-backend " + Quoted(value) + ": want a Service name");
  }
  draft.policy.errors.default_backend = std::move(*name);
  return OkStatus();
}

// Comma-separated status codes 400..599; kept sorted without duplicates.
Status ParseCustomHttpErrors(std::string_view value, Draft& draft) {
  std::vector<uint16_t> codes;
  for (std::string_view item : SplitList(value, ',')) {
    auto code = ParseUint32(item);
    if (!code || *code < 400 || *code > 599) {
      return Invalid("invalid custom-http-errors code " + Quoted(item) + ": want 400 to 599");
    }
    codes.push_back(static_cast<uint16_t>(*code));
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  draft.policy.errors.custom_http_errors = std::move(codes);
  return OkStatus();
}

Status ParseEnableAccessLog(std::string_view value, Draft& draft) {
  auto parsed = ParseBool(value);
  if (!parsed) return parsed.error();
  draft.policy.errors.access_log = *parsed;
  return OkStatus();
}

}  // namespace waygate::annotations::internal

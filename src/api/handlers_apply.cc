// Server-side apply (PATCH with application/apply-patch+yaml). Placeholder until src/apply lands
// in this session: answers 415 so clients fall back to client-side apply.
#include "api/api_internal.h"

namespace waygate::api {

void Api::ServerSideApply(Call& call, const nlohmann::json& applied) {
  (void)applied;
  SendStatus(call, apistatus::ApiStatus{415, "UnsupportedMediaType",
                                        "server-side apply is not available yet",
                                        nlohmann::json::object()});
}

}  // namespace waygate::api

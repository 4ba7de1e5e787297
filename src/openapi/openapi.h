// openapi: the OpenAPI documents the API server publishes (/openapi/v2, /openapi/v3 and the
// per-group-version v3 documents), built once from the schema sources in schemas/*.schema.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/result.h"

namespace waygate::openapi {

struct Documents {
  std::string v2_json;  // GET /openapi/v2 (Swagger 2.0, every group in one document)
  // GET /openapi/v2 when the client accepts only protobuf (client-go always does): a gnostic
  // openapi_v2.Document holding swagger and info only. kubectl 1.27/1.28 download v2 before any
  // create/apply and fail without a parsable answer; the content they need comes from v3.
  std::string v2_protobuf;
  std::string v3_index_json;  // GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": ...}}}
  // Key: "api/v1", "apis/networking.k8s.io/v1", ... (the part of the URL after /openapi/v3/).
  // hash: uppercase hex SHA-512 of json, as kube-openapi computes it; it is also the ETag and the
  // ?hash= of the index's serverRelativeURL.
  struct GroupDoc {
    std::string json;
    std::string hash;
  };
  std::map<std::string, GroupDoc, std::less<>> v3_groups;
};

// The documents, built on first use (thread-safe) and immutable after. The sources are compiled
// in and covered by tests, so a failure to build them is a bug: Get() aborts with the reason.
const Documents& Get();

// Builds the documents from the compiled-in sources; Get() caches its result.
Result<Documents> Build();

}  // namespace waygate::openapi

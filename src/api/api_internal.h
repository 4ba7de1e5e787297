// Internals shared by the handler files of Api: the per-request Call and response helpers.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>
#include <string>

#include "api/api.h"
#include "api/codec.h"
#include "api/request_info.h"
#include "api/resources.h"
#include "audit/audit_log.h"
#include "apistatus/api_status.h"
#include "apistatus/errors.h"
#include "apply/managed_fields.h"
#include "printers/table.h"
#include "rbac/rbac.h"

namespace waygate::api {

struct Api::Call {
  const HttpRequest& request;
  ResponseWriter& writer;
  RequestInfo info;
  const ResourceInfo* resource = nullptr;
  Accept accept;
  std::string user;  // the authenticated user's name ("" on public paths without credentials)
  std::vector<std::pair<std::string, std::string>> warnings;  // Warning headers
  // For as=Table: what the printers need beyond the objects, read fresh at each call (once per
  // response or watch batch). Unset for kinds that need nothing.
  std::function<printers::TableContext()> table_context;

  // Who is asking (authn.h): name and groups, for authorization.
  rbac::UserInfo user_info;
  // Set by Authorize for a namespace list by someone who may see only some namespaces (the
  // projects they are a member of): List shows only these (sorted).
  std::optional<std::vector<std::string>> visible_namespaces;
  // A Gateway create whose project is known only once the body is read (authorize.cc).
  bool gateway_create_pending = false;
  // The audit record of this request (api.cc): handlers fill in what the URL does not say (the
  // name of a created object).
  audit::Event* audit = nullptr;

  printers::TableContext TableContext() const {
    return table_context ? table_context() : printers::TableContext{};
  }

  apistatus::Target Target(std::string_view name) const {
    return apistatus::Target{resource ? std::string(resource->group) : "",
                             resource ? std::string(resource->kind) : "",
                             resource ? std::string(resource->resource) : "", std::string(name)};
  }
};

// Writes a Status failure.
void SendStatus(Api::Call& call, const apistatus::ApiStatus& status);
// Writes an object (or a Table of it / its metadata, as the Accept header asks).
void SendObject(Api::Call& call, int code, const nlohmann::json& object);
// Writes a list (or a Table).
void SendList(Api::Call& call, const ListResult& list);
// A plain JSON document.
void SendJson(Api::Call& call, int code, const nlohmann::json& value,
              std::string_view content_type = "application/json");

// The error a lower layer returned, as a Status about this request's object.
void SendError(Api::Call& call, const Error& error, std::string_view name,
               apistatus::FromErrorOptions options = {});

// The request's field manager (?fieldManager=, else from the User-Agent) for managedFields.
apply::Manager RequestManager(const Api::Call& call);

// Parses labelSelector/fieldSelector/limit/continue; false after answering 400.
bool ReadListOptions(Api::Call& call, ListOptions& options);

}  // namespace waygate::api

// The Kubernetes-compatible API: one HttpHandler that authenticates, routes and serves every
// request (discovery, OpenAPI, version, health, and the resource verbs) over a Store, plus the
// OAuth endpoints that hand out users' tokens (/oauth/token, /oauth/revoke: oauth.h).
//
// Threads: Handle() runs on the HTTP server's connection threads, concurrently; all shared
// state lives in the Store (which serialises writes) or is immutable, except the token cache
// and the login guard, which lock themselves. A background thread finishes namespace deletions
// (deleting what a Namespace held, then the Namespace).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "api/authn.h"
#include "api/authz.h"
#include "api/gateway_admission.h"
#include "api/http_server.h"
#include "api/oauth.h"
#include "api/registry.h"
#include "audit/audit_log.h"
#include "iam/tokens.h"
#include "monitoring/monitor.h"
#include "printers/table.h"
#include "store/store.h"

namespace waygate::api {

struct ApiOptions {
  store::Store* store = nullptr;
  std::string admin_token;     // bearer token of the "admin" user
  std::string server_address;  // host:port clients reach us at (discovery's serverAddress)
  // Extra namespaces created at start besides default, kube-system, kube-public and
  // kube-node-lease.
  std::vector<std::string> initial_namespaces;
  // Where Gateways' node ports are allocated from (`--nodeport-range`).
  gateways::PortRange node_port_range;
  // POST /oauth/token: access token lifetime and the login guard's limits.
  OAuthOptions oauth;
  // Where writes, sign-ins and refusals are recorded (DIR/audit.log); nullptr: nowhere.
  audit::AuditLog* audit = nullptr;
  // This process's gateways' metrics ring and recent access-log lines, read by the metrics and
  // log subresources (monitoring_views.cc); nullptr: they answer empty.
  const monitoring::Monitor* monitoring = nullptr;
};

class Api {
 public:
  static Result<std::unique_ptr<Api>> Create(ApiOptions options);
  ~Api();

  void Handle(const HttpRequest& request, ResponseWriter& writer);

  struct Call;  // one request being served (api_internal.h)

 private:
  explicit Api(ApiOptions options);

  // Handle without the audit record around it.
  void Serve(const HttpRequest& request, ResponseWriter& writer, audit::Event& audit_event);
  void ServeNonResource(Call& call);
  void ServeOpenApi(Call& call);
  void ServeResource(Call& call);
  void Get(Call& call);
  void List(Call& call);
  void Watch(Call& call);
  void Create(Call& call);
  void Update(Call& call);
  void Patch(Call& call);
  void Delete(Call& call);
  // One read-check-delete; false (nothing sent) when the object changed in between.
  bool TryDelete(Call& call);
  void DeleteCollection(Call& call);
  // GET .../ingresses/NAME/access, and .../ingresses/-/access for every Ingress listed.
  void Access(Call& call);
  // GET .../ingresses/NAME/metrics, .../gateways/NAME/metrics and .../gateways/NAME/log
  // (monitoring_views.cc).
  void Monitoring(Call& call);
  // The printers' context for a Table of `resource` (Ingress: the serving gateways' access),
  // from the Gateways stored now.
  printers::TableContext TableContextFor(const ResourceInfo& resource);
  void ServerSideApply(Call& call, const nlohmann::json& applied);

  // Authorization (authorize.cc). Authorize: false after answering 403. Decide: kube's RBAC plus
  // the project mappings of Gateways and Namespaces. AuthorizeGatewayCreate: the deferred check
  // of a Gateway create, by the project its name serves. ConfirmNoEscalation: nobody grants,
  // through a Role or a binding, what they do not hold. Reviews: the authorization.k8s.io
  // self-reviews kubectl auth can-i sends.
  bool Authorize(Call& call);
  rbac::Decision Decide(const rbac::UserInfo& user, const rbac::Attributes& request) const;
  bool AuthorizeGatewayCreate(Call& call, const nlohmann::json& object);
  bool ConfirmNoEscalation(Call& call, const nlohmann::json& object);
  // POST authentication.k8s.io/{v1,v1beta1} selfsubjectreviews (`kubectl auth whoami`): who
  // the server thinks the caller is.
  void WhoAmI(Call& call);
  void Reviews(Call& call);

  // Checks the namespace a new object goes into exists and is not being deleted; false after
  // answering the request.
  bool AdmitNamespace(Call& call);
  // Admission that reads other stored objects (Gateways: placement, scope, node ports), after
  // Validate. False after answering the request; `hold` keeps its lock until the write lands.
  bool AdmitAgainstStore(Call& call, nlohmann::json& object, const nlohmann::json* old,
                         std::unique_lock<std::mutex>& hold);
  // Tenancy: an Ingress may not route a host another project's Ingress already routes (422
  // naming the owner project). Takes ingress_hosts_mu_ into `hold`.
  bool AdmitHostClaims(Call& call, const nlohmann::json& object,
                       std::unique_lock<std::mutex>& hold);
  // Write path shared by update and patch: admission, validation, compare-and-swap.
  void FinishUpdate(Call& call, const nlohmann::json& old, nlohmann::json object, int status_ok);

  void NamespaceLoop();
  void FinalizeNamespace(const std::string& name);
  void RequestNamespaceCleanup(const std::string& name);

  ApiOptions options_;
  Registry registry_;
  GatewayAdmission gateway_admission_;
  // Users' bearer tokens (wg_...), who a request comes from, and /oauth/*.
  iam::TokenStore tokens_;
  Authenticator authn_;
  OAuthServer oauth_;
  // RBAC policy, rebuilt on every change of a Role, ClusterRole or binding.
  Authorizer authz_;

  std::mutex ingress_hosts_mu_;  // see AdmitHostClaims

  std::mutex ns_mu_;
  std::condition_variable ns_cv_;
  std::set<std::string> ns_pending_;
  bool ns_stop_ = false;
  std::thread ns_thread_;
};

}  // namespace waygate::api

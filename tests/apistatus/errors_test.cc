// Expected bodies marked "captured" are kube-apiserver responses quoted in public bug reports,
// docs and client tests; the others are assembled from apimachinery's format strings.
#include "apistatus/errors.h"

#include <gtest/gtest.h>

#include "model/field_path.h"

namespace waygate::apistatus {
namespace {

constexpr std::string_view kDns1123 =
    R"(a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', )"
    R"(and must start and end with an alphanumeric character (e.g. 'example.com', regex used )"
    R"(for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'))";

std::string Body(std::string_view json) { return std::string(json) + "\n"; }

TEST(QualifiedNames, CoreHasNoSuffixGroupedAppendsTheGroup) {
  EXPECT_EQ(QualifiedResource("", "services"), "services");
  EXPECT_EQ(QualifiedResource("networking.k8s.io", "ingresses"), "ingresses.networking.k8s.io");
  EXPECT_EQ(QualifiedKind("", "Service"), "Service");
  EXPECT_EQ(QualifiedKind("networking.k8s.io", "Ingress"), "Ingress.networking.k8s.io");
}

TEST(NotFound, CoreResourceMatchesCapturedBody) {
  EXPECT_EQ(ToBody(NotFound("", "secrets", "ACTOKEY")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"secrets \"ACTOKEY\" not found","reason":"NotFound",)"
                 R"("details":{"name":"ACTOKEY","kind":"secrets"},"code":404})"));
}

TEST(NotFound, GroupedResourceMatchesCapturedBody) {
  EXPECT_EQ(ToBody(NotFound("apps", "deployments", "web")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"deployments.apps \"web\" not found","reason":"NotFound",)"
                 R"("details":{"name":"web","group":"apps","kind":"deployments"},"code":404})"));
  EXPECT_EQ(NotFound("networking.k8s.io", "ingresses", "web").message,
            R"(ingresses.networking.k8s.io "web" not found)");
}

TEST(NotFoundPath, MatchesTheBodyForAPathNoApiServes) {
  EXPECT_EQ(ToBody(NotFoundPath()),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"the server could not find the requested resource",)"
                 R"("reason":"NotFound","details":{},"code":404})"));
}

TEST(AlreadyExists, GroupedAndCoreMatchCapturedBodies) {
  EXPECT_EQ(
      ToBody(AlreadyExists("rbac.authorization.k8s.io", "rolebindings", "pod-secrets")),
      Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
           R"("message":"rolebindings.rbac.authorization.k8s.io \"pod-secrets\" already exists",)"
           R"("reason":"AlreadyExists","details":{"name":"pod-secrets",)"
           R"("group":"rbac.authorization.k8s.io","kind":"rolebindings"},"code":409})"));
  EXPECT_EQ(ToBody(AlreadyExists("", "persistentvolumes", "mysql-instance-pv")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"persistentvolumes \"mysql-instance-pv\" already exists",)"
                 R"("reason":"AlreadyExists","details":{"name":"mysql-instance-pv",)"
                 R"("kind":"persistentvolumes"},"code":409})"));
}

TEST(Conflict, StaleResourceVersionMessageMatchesCapturedText) {
  ApiStatus s =
      Conflict("gateway.networking.k8s.io", "gateways", "same-namespace", kOptimisticLockMessage);
  // captured message (cilium-operator log); details as NewConflict fills them
  EXPECT_EQ(s.message,
            R"(Operation cannot be fulfilled on gateways.gateway.networking.k8s.io )"
            R"("same-namespace": the object has been modified; please apply your changes to )"
            R"(the latest version and try again)");
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(ToBody(Conflict("", "configmaps", "cm", "boom")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"Operation cannot be fulfilled on configmaps \"cm\": boom",)"
                 R"("reason":"Conflict","details":{"name":"cm","kind":"configmaps"},)"
                 R"("code":409})"));
}

TEST(Invalid, OneRequiredCauseMatchesCapturedBody) {
  model::ErrorList errs;
  model::FieldPath spec("spec");
  errs.Required(spec);
  EXPECT_EQ(
      ToBody(Invalid("traefik.containo.us", "IngressRoute", "traefik-dashboard", errs)),
      Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
           R"("message":"IngressRoute.traefik.containo.us \"traefik-dashboard\" is invalid: )"
           R"(spec: Required value","reason":"Invalid","details":{"name":"traefik-dashboard",)"
           R"("group":"traefik.containo.us","kind":"IngressRoute","causes":[{"reason":)"
           R"("FieldValueRequired","message":"Required value","field":"spec"}]},"code":422})"));
}

TEST(Invalid, OneInvalidValueCauseMatchesCapturedBody) {
  model::ErrorList errs;
  model::FieldPath metadata("metadata");
  errs.Invalid(metadata.Child("name"), "-", kDns1123);
  EXPECT_EQ(
      ToBody(Invalid("build.openshift.io", "BuildConfig", "-", errs)),
      Body(
          R"json({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"BuildConfig.build.openshift.io \"-\" is invalid: metadata.name: Invalid value: \"-\": a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')","reason":"Invalid","details":{"name":"-","group":"build.openshift.io","kind":"BuildConfig","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"-\": a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')","field":"metadata.name"}]},"code":422})json"));
}

TEST(Invalid, TwoCausesUseTheBracketedListMatchingCapturedBody) {
  model::ErrorList errs;
  model::FieldPath metadata("metadata");
  model::FieldPath spec("spec");
  model::FieldPath tmpl = spec.Child("template");
  model::FieldPath pod = tmpl.Child("spec");
  errs.Invalid(metadata.Child("name"), "test_deploy", kDns1123);
  errs.Required(pod.Child("containers"));
  EXPECT_EQ(
      ToBody(Invalid("apps", "Deployment", "test_deploy", errs)),
      Body(
          R"json({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \"test_deploy\" is invalid: [metadata.name: Invalid value: \"test_deploy\": a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.template.spec.containers: Required value]","reason":"Invalid","details":{"name":"test_deploy","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"test_deploy\": a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')","field":"metadata.name"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.template.spec.containers"}]},"code":422})json"));
}

TEST(Invalid, ThreeCausesOnAnIngress) {
  model::ErrorList errs;
  model::FieldPath spec("spec");
  model::FieldPath rules = spec.Child("rules");
  model::FieldPath rule = rules.Index(0);
  model::FieldPath http = rule.Child("http");
  model::FieldPath paths = http.Child("paths");
  model::FieldPath path0 = paths.Index(0);
  errs.Invalid(rule.Child("host"), "Foo", "a lowercase RFC 1123 subdomain must be lowercase");
  errs.NotSupported(path0.Child("pathType"), "Glob", {"Exact", "ImplementationSpecific", "Prefix"});
  errs.Required(path0.Child("backend"));
  ApiStatus s = Invalid("networking.k8s.io", "Ingress", "web", errs);
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.reason, "Invalid");
  EXPECT_EQ(s.message,
            R"(Ingress.networking.k8s.io "web" is invalid: [spec.rules[0].host: Invalid value: )"
            R"("Foo": a lowercase RFC 1123 subdomain must be lowercase, )"
            R"(spec.rules[0].http.paths[0].pathType: Unsupported value: "Glob": supported )"
            R"(values: "Exact", "ImplementationSpecific", "Prefix", )"
            R"(spec.rules[0].http.paths[0].backend: Required value])");
  EXPECT_EQ(
      ToBody(s).substr(ToBody(s).find(R"("details")")),
      Body(
          R"json("details":{"name":"web","group":"networking.k8s.io","kind":"Ingress","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must be lowercase","field":"spec.rules[0].host"},{"reason":"FieldValueNotSupported","message":"Unsupported value: \"Glob\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"","field":"spec.rules[0].http.paths[0].pathType"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.rules[0].http.paths[0].backend"}]},"code":422})json"));
}

TEST(Invalid, RepeatedErrorsAppearOnceInTheMessageButEveryCauseIsKept) {
  model::ErrorList errs;
  model::FieldPath spec("spec");
  errs.Required(spec);
  errs.Required(spec);
  ApiStatus s = Invalid("", "Service", "svc", errs);
  EXPECT_EQ(s.message, R"(Service "svc" is invalid: spec: Required value)");
  EXPECT_EQ(s.details["causes"].size(), 2u);
}

TEST(Invalid, NoErrorsGiveTheBareSentenceAndNoCauses) {
  ApiStatus s = Invalid("", "Service", "svc", model::ErrorList{});
  EXPECT_EQ(s.message, R"(Service "svc" is invalid)");
  EXPECT_FALSE(s.details.contains("causes"));
}

TEST(CauseType, EveryErrorListKindMapsToItsCauseReason) {
  model::ErrorList e;
  model::FieldPath f("f");
  e.Invalid(f, "x", "bad");
  e.InvalidInt(f, 3, "");
  e.TooMany(f, 3, 2);
  e.Required(f, "why");
  e.NotSupported(f, "x", {"y"});
  e.Duplicate(f, "x");
  e.Forbidden(f, "no");
  e.TooLong(f, 10);
  e.WrongType(f, "string", "number");
  e.Add(Error{ErrorCode::kInvalid, "Not found: \"x\"", "f"});
  e.Add(Error{ErrorCode::kInvalid, "Internal error: oops", "f"});
  e.Add(Error{ErrorCode::kInvalid, "Invalid valuex", "f"});  // not a type prefix
  std::vector<std::string_view> want = {
      "FieldValueInvalid",      "FieldValueInvalid",   "FieldValueTooMany",   "FieldValueRequired",
      "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong",
      "FieldValueTypeInvalid",  "FieldValueNotFound",  "InternalError",       "FieldValueInvalid"};
  ASSERT_EQ(e.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(CauseType(e.errors()[i]), want[i]) << e.errors()[i].message;
  }
}

TEST(Forbidden, NamespacedSubresourceMatchesCapturedBody) {
  ForbiddenRequest r{.user = "system:anonymous",
                     .verb = "get",
                     .resource = "services",
                     .subresource = "proxy",
                     .namespace_ = "kube-system",
                     .name = "kube-dns:dns"};
  EXPECT_EQ(
      ToBody(Forbidden(r)),
      Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)"
           R"("services \"kube-dns:dns\" is forbidden: User \"system:anonymous\" cannot get )"
           R"(resource \"services/proxy\" in API group \"\" in the namespace \"kube-system\"",)"
           R"("reason":"Forbidden","details":{"name":"kube-dns:dns","kind":"services"},)"
           R"("code":403})"));
}

TEST(Forbidden, ClusterScopeListMatchesCapturedBody) {
  ForbiddenRequest r{.user = "system:anonymous", .verb = "list", .resource = "namespaces"};
  EXPECT_EQ(ToBody(Forbidden(r)),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"namespaces is forbidden: User \"system:anonymous\" cannot list )"
                 R"(resource \"namespaces\" in API group \"\" at the cluster scope",)"
                 R"("reason":"Forbidden","details":{"kind":"namespaces"},"code":403})"));
}

TEST(Forbidden, GroupedResourceMatchesCapturedBody) {
  ForbiddenRequest r{.user = "system:anonymous",
                     .verb = "create",
                     .group = "build.openshift.io",
                     .resource = "buildconfigs",
                     .subresource = "webhooks",
                     .namespace_ = "skicpausz-dev",
                     .name = "photoalbum-git"};
  EXPECT_EQ(ToBody(Forbidden(r)),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)"
                 R"("buildconfigs.build.openshift.io \"photoalbum-git\" is forbidden: User )"
                 R"(\"system:anonymous\" cannot create resource \"buildconfigs/webhooks\" in API )"
                 R"(group \"build.openshift.io\" in the namespace \"skicpausz-dev\"",)"
                 R"("reason":"Forbidden","details":{"name":"photoalbum-git",)"
                 R"("group":"build.openshift.io","kind":"buildconfigs"},"code":403})"));
}

TEST(Forbidden, NonResourcePathHasEmptyDetailsObject) {
  ForbiddenRequest r{.user = "system:anonymous", .verb = "get", .path = "/"};
  EXPECT_EQ(ToBody(Forbidden(r)),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"forbidden: User \"system:anonymous\" cannot get path \"/\"",)"
                 R"("reason":"Forbidden","details":{},"code":403})"));
}

TEST(Forbidden, AuthorizerReasonIsAppendedAndTheSentenceSanitized) {
  ForbiddenRequest r{.user = "<b>&",
                     .verb = "get",
                     .resource = "pods",
                     .namespace_ = "default",
                     .authorizer_reason = "RBAC: role <x> not found"};
  EXPECT_EQ(Forbidden(r).message,
            R"(pods is forbidden: User "&lt;b&gt;&amp;" cannot get resource "pods" in API )"
            R"(group "" in the namespace "default": RBAC: role <x> not found)");
}

TEST(MethodNotSupported, MatchesCapturedMessages) {
  ApiStatus s = MethodNotSupported("", "pods", "update");
  EXPECT_EQ(s.message, R"(update is not supported on resources of kind "pods")");
  EXPECT_EQ(MethodNotSupported("metrics.k8s.io", "pods", "watch").message,
            R"(watch is not supported on resources of kind "pods.metrics.k8s.io")");
  EXPECT_EQ(ToBody(MethodNotSupported("networking.k8s.io", "ingresses", "deletecollection")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"deletecollection is not supported on resources of kind )"
                 R"(\"ingresses.networking.k8s.io\"","reason":"MethodNotAllowed",)"
                 R"("details":{"group":"networking.k8s.io","kind":"ingresses"},"code":405})"));
}

TEST(UnsupportedMediaType, MatchesCapturedMessage) {
  std::span<const std::string_view> two(kPatchMediaTypes.data(), 2);
  ApiStatus s = UnsupportedMediaType(two);
  EXPECT_EQ(ToBody(s),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"the body of the request was in an unknown format - accepted )"
                 R"(media types include: application/json-patch+json, )"
                 R"(application/merge-patch+json","reason":"UnsupportedMediaType","code":415})"));
  EXPECT_EQ(UnsupportedMediaType(kBodyMediaTypes).message,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml, application/vnd.kubernetes.protobuf");
}

TEST(NotAcceptable, ListsTheMediaTypes) {
  ApiStatus s = NotAcceptable(kBodyMediaTypes);
  EXPECT_EQ(s.code, 406);
  EXPECT_EQ(s.message,
            "only the following media types are accepted: application/json, application/yaml, "
            "application/vnd.kubernetes.protobuf");
}

TEST(TooLarge, NamesTheLimit) {
  EXPECT_EQ(ToBody(TooLarge(3145728)),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"Request entity too large: limit is 3145728",)"
                 R"("reason":"RequestEntityTooLarge","code":413})"));
}

TEST(Expired, WatchTooOldMatchesCapturedObject) {
  // captured: the object of a watch ERROR event from `kubectl get --raw ...&resourceVersion=1`
  EXPECT_EQ(ToBody(Expired("too old resource version: 1 (3171407)")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"j("message":"too old resource version: 1 (3171407)","reason":"Expired",)j"
                 R"("code":410})"));
  EXPECT_EQ(Gone("gone").reason, "Gone");
  EXPECT_EQ(Gone("gone").code, 410);
}

TEST(Internal, MatchesCapturedBody) {
  EXPECT_EQ(ToBody(Internal("invalid impersonation")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"Internal error occurred: invalid impersonation",)"
                 R"("reason":"InternalError","details":{"causes":[{"message":)"
                 R"("invalid impersonation"}]},"code":500})"));
}

TEST(Unauthorized, DefaultsAndEmpty) {
  EXPECT_EQ(Unauthorized().message, "Unauthorized");
  EXPECT_EQ(Unauthorized("").message, "not authorized");
  EXPECT_TRUE(Unauthorized().details.is_null());
}

TEST(BadRequest, VerbatimAndCannotBeHandled) {
  EXPECT_EQ(ToBody(BadRequest("yaml: line 3: mapping values are not allowed in this context")),
            Body(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                 R"("message":"yaml: line 3: mapping values are not allowed in this context",)"
                 R"("reason":"BadRequest","code":400})"));
  EXPECT_EQ(CannotBeHandled("Ingress", "v1", "Ingress",
                            "json: cannot unmarshal string into Go struct field "
                            "IngressSpec.spec.rules of type []v1.IngressRule")
                .message,
            R"(Ingress in version "v1" cannot be handled as a Ingress: json: cannot unmarshal )"
            R"(string into Go struct field IngressSpec.spec.rules of type []v1.IngressRule)");
}

class FromErrorTest : public ::testing::Test {
 protected:
  Target web_{"networking.k8s.io", "Ingress", "ingresses", "web"};
};

TEST_F(FromErrorTest, InvalidIs422WithTheFieldAsCause) {
  ApiStatus s = FromError(
      MakeError(ErrorCode::kInvalid, "Invalid value: \"Foo\": bad", "spec.rules[0].host"), web_);
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.message,
            R"(Ingress.networking.k8s.io "web" is invalid: spec.rules[0].host: Invalid value: )"
            R"("Foo": bad)");
  EXPECT_EQ(s.details["causes"][0]["field"], "spec.rules[0].host");
}

TEST_F(FromErrorTest, InvalidIs400WhenTheBodyCouldNotBeDecoded) {
  ApiStatus s = FromError(MakeError(ErrorCode::kInvalid, "line 3, column 7: unexpected '}'"), web_,
                          {.invalid_is_bad_request = true});
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.reason, "BadRequest");
  EXPECT_EQ(s.message, "line 3, column 7: unexpected '}'");
}

TEST_F(FromErrorTest, NotFoundNamesTheResourceNotTheStoreKey) {
  ApiStatus s = FromError(MakeError(ErrorCode::kNotFound, "key /registry/x"), web_);
  EXPECT_EQ(s.code, 404);
  EXPECT_EQ(s.message, R"(ingresses.networking.k8s.io "web" not found)");
}

TEST_F(FromErrorTest, ConflictIsAlreadyExistsOnCreateElseOptimisticLock) {
  Error e = MakeError(ErrorCode::kConflict, "key /registry/x already exists");
  ApiStatus created = FromError(e, web_, {.create = true});
  EXPECT_EQ(created.code, 409);
  EXPECT_EQ(created.reason, "AlreadyExists");
  ApiStatus updated = FromError(e, web_);
  EXPECT_EQ(updated.code, 409);
  EXPECT_EQ(updated.reason, "Conflict");
  EXPECT_EQ(updated.message,
            R"(Operation cannot be fulfilled on ingresses.networking.k8s.io "web": the object )"
            R"(has been modified; please apply your changes to the latest version and try again)");
}

TEST_F(FromErrorTest, GoneUnsupportedIoAndInternal) {
  ApiStatus gone = FromError(MakeError(ErrorCode::kGone, "too old resource version: 1 (9)"), web_);
  EXPECT_EQ(gone.code, 410);
  EXPECT_EQ(gone.reason, "Expired");
  EXPECT_EQ(gone.message, "too old resource version: 1 (9)");
  ApiStatus unsupported = FromError(MakeError(ErrorCode::kUnsupported, "text/plain"), web_);
  EXPECT_EQ(unsupported.code, 415);
  EXPECT_EQ(unsupported.reason, "UnsupportedMediaType");
  ApiStatus io = FromError(MakeError(ErrorCode::kIo, "disk full"), web_);
  EXPECT_EQ(io.code, 500);
  EXPECT_EQ(io.message, "Internal error occurred: disk full");
  EXPECT_EQ(FromError(MakeError(ErrorCode::kInternal, "bug"), web_).reason, "InternalError");
}

}  // namespace
}  // namespace waygate::apistatus

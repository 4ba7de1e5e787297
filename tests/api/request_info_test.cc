// URL -> RequestInfo, pinned against kube-apiserver's RequestInfoFactory behaviour.
#include "api/request_info.h"

#include <gtest/gtest.h>

namespace waygate::api {
namespace {

TEST(RequestInfoTest, NamespacedCollectionAndItem) {
  RequestInfo list = ParseRequestInfo("GET", "/apis/networking.k8s.io/v1/namespaces/demo/ingresses",
                                      "labelSelector=a%3Db&limit=5");
  EXPECT_TRUE(list.is_resource);
  EXPECT_EQ(list.group, "networking.k8s.io");
  EXPECT_EQ(list.version, "v1");
  EXPECT_EQ(list.namespace_, "demo");
  EXPECT_EQ(list.resource, "ingresses");
  EXPECT_EQ(list.name, "");
  EXPECT_EQ(list.verb, "list");
  EXPECT_EQ(list.Param("labelSelector"), "a=b");
  EXPECT_EQ(list.Param("limit"), "5");

  RequestInfo item = ParseRequestInfo("PATCH", "/api/v1/namespaces/demo/services/web/status", "");
  EXPECT_EQ(item.group, "");
  EXPECT_EQ(item.resource, "services");
  EXPECT_EQ(item.name, "web");
  EXPECT_EQ(item.subresource, "status");
  EXPECT_EQ(item.verb, "patch");
}

TEST(RequestInfoTest, NamespaceObjectItselfIsNotANamespacePrefix) {
  RequestInfo ns = ParseRequestInfo("GET", "/api/v1/namespaces/demo", "");
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "demo");
  EXPECT_EQ(ns.namespace_, "");
  RequestInfo status = ParseRequestInfo("PUT", "/api/v1/namespaces/demo/status", "");
  EXPECT_EQ(status.resource, "namespaces");
  EXPECT_EQ(status.name, "demo");
  EXPECT_EQ(status.subresource, "status");
  EXPECT_EQ(status.verb, "update");
}

TEST(RequestInfoTest, WatchVerbsAndBooleans) {
  EXPECT_EQ(ParseRequestInfo("GET", "/api/v1/pods", "watch=True").verb, "watch");
  EXPECT_EQ(ParseRequestInfo("GET", "/api/v1/pods", "watch=1").verb, "watch");
  EXPECT_EQ(ParseRequestInfo("GET", "/api/v1/pods", "watch=false").verb, "list");
  EXPECT_EQ(ParseRequestInfo("GET", "/api/v1/watch/namespaces/x/pods", "").verb, "watch");
  EXPECT_EQ(ParseRequestInfo("GET", "/api/v1/namespaces/x/pods/p", "watch=true").verb, "watch");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/api/v1/namespaces/x/pods", "").verb,
            "deletecollection");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/api/v1/namespaces/x/pods/p", "").verb, "delete");
  EXPECT_TRUE(ParseBoolParam("T"));
  EXPECT_FALSE(ParseBoolParam("yes"));
}

TEST(RequestInfoTest, NonResourcePaths) {
  EXPECT_FALSE(ParseRequestInfo("GET", "/version", "").is_resource);
  EXPECT_FALSE(ParseRequestInfo("GET", "/api", "").is_resource);
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/networking.k8s.io/v1", "").is_resource);
  EXPECT_FALSE(ParseRequestInfo("GET", "/openapi/v3/api/v1", "").is_resource);
}

TEST(RequestInfoTest, PercentDecoding) {
  EXPECT_EQ(PercentDecode("a%3Db%2Cc", false), "a=b,c");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("100%", false), "100%");   // a lone % stays
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");  // invalid escapes stay
}

}  // namespace
}  // namespace waygate::api

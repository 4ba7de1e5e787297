// The shared SQLite store + api::Registry fixture with two namespaces, and helpers that write
// objects the way the API server does (PrepareForCreate, then Registry), so the controller sees
// exactly what `kubectl apply` would leave in the store.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/admission.h"
#include "api/registry.h"
#include "api/resources.h"
#include "common/store_fixture.h"

namespace waygate::controller::testing {

using nlohmann::json;

inline const api::ResourceInfo& Info(const char* group, const char* resource) {
  return *api::FindResource(group, "v1", resource);
}

using waygate::testing::WaitFor;

class StoreFixture : public waygate::testing::SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    if (HasFatalFailure()) return;
    CreateNamespace("default");
    CreateNamespace("demo");
  }

  json Create(const api::ResourceInfo& info, json object) {
    api::PrepareForCreate(info, object, api::WriteContext{"admin", api::NowRfc3339()});
    auto created = registry_->Create(info, object);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? *created : json();
  }

  // Read-modify-write, as `kubectl edit` does.
  json Modify(const api::ResourceInfo& info, const std::string& ns, const std::string& name,
              const std::function<void(json&)>& change) {
    auto got = registry_->Get(info, ns, name);
    EXPECT_TRUE(got.ok());
    if (!got.ok()) return json();
    json old = *got;
    json object = old;
    change(object);
    api::PrepareForUpdate(info, old, object, false, api::WriteContext{"admin", api::NowRfc3339()});
    auto rev = api::ParseResourceVersion(old["metadata"]["resourceVersion"].get<std::string>());
    auto updated = registry_->Update(info, object, rev.value_or(0));
    EXPECT_TRUE(updated.ok()) << updated.error().ToString();
    return updated.ok() ? *updated : json();
  }

  void CreateNamespace(const std::string& name) {
    Create(Info("", "namespaces"),
           {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  }

  static json IngressTo(const std::string& ns, const std::string& name, const std::string& service,
                        json port, const std::string& tls_secret = "") {
    json spec = {{"rules",
                  {{{"host", name + ".example.com"},
                    {"http",
                     {{"paths",
                       {{{"path", "/"},
                         {"pathType", "Prefix"},
                         {"backend", {{"service", {{"name", service}, {"port", port}}}}}}}}}}}}}};
    if (!tls_secret.empty()) {
      spec["tls"] = {{{"hosts", {name + ".example.com"}}, {"secretName", tls_secret}}};
    }
    return {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "Ingress"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", spec}};
  }

  static json ServiceWith(const std::string& ns, const std::string& name, json ports) {
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", {{"ports", ports}}}};
  }

  static json TlsSecret(const std::string& ns, const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"type", "kubernetes.io/tls"},
            {"data", {{"tls.crt", "Y2VydA=="}, {"tls.key", "a2V5"}}}};
  }

  // Every Event in `ns` about the Ingress `name`.
  std::vector<json> EventsAbout(const std::string& ns, const std::string& name) {
    std::vector<json> out;
    auto list = registry_->List(Info("", "events"), ns, api::ListOptions{});
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return out;
    for (json& event : list->items) {
      if (event["involvedObject"].value("name", "") == name) out.push_back(std::move(event));
    }
    return out;
  }
};

}  // namespace waygate::controller::testing

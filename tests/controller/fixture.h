// A real SQLite store in a temp dir plus an api::Registry, and helpers that write objects the
// way the API server does (PrepareForCreate, then Registry), so the controller sees exactly
// what `kubectl apply` would leave in the store.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/admission.h"
#include "api/registry.h"
#include "api/resources.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::controller::testing {

using nlohmann::json;

inline const api::ResourceInfo& Info(const char* group, const char* resource) {
  return *api::FindResource(group, "v1", resource);
}

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "waygate-controller-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto opened = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
    registry_ = std::make_unique<api::Registry>(store_.get());
    CreateNamespace("default");
    CreateNamespace("demo");
  }

  void TearDown() override {
    registry_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
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

  // Polls until `done` holds; false after the deadline (no fixed sleeps in assertions).
  static bool WaitFor(const std::function<bool()>& done,
                      std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<api::Registry> registry_;
};

}  // namespace waygate::controller::testing

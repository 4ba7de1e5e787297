// A real API server in the test process: the shared SQLite store fixture, api::Api, and its
// HttpServer over plain HTTP on 127.0.0.1 (port 0 first, then the same port again after a
// StopServer, so a client sees the server go away and come back).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/admission.h"
#include "api/api.h"
#include "api/http_server.h"
#include "api/registry.h"
#include "api/resources.h"
#include "common/store_fixture.h"
#include "kubeclient/config.h"
#include "net/address.h"

namespace waygate::nodeagent::testing {

using nlohmann::json;

inline constexpr const char* kToken = "nodeagent-test-token";

using waygate::testing::WaitFor;

class ApiFixture : public waygate::testing::SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    if (HasFatalFailure()) return;
    api::ApiOptions options;
    options.store = store_.get();
    options.admin_token = kToken;
    auto created = api::Api::Create(options);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    api_ = std::move(*created);
    StartServer("127.0.0.1:0");
  }

  void TearDown() override {
    server_.reset();
    api_.reset();
    SqliteStoreFixture::TearDown();
  }

  void StartServer(const std::string& listen) {
    auto address = net::ParseAddress(listen);
    ASSERT_TRUE(address.ok());
    api::HttpServerOptions options;
    options.listen = *address;
    auto server = api::HttpServer::Start(
        options, [this](const api::HttpRequest& r, api::ResponseWriter& w) { api_->Handle(r, w); });
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(*server);
    port_ = server_->address().port();
  }
  void StopServer() { server_.reset(); }
  void RestartServer() { StartServer("127.0.0.1:" + std::to_string(port_)); }

  kubeclient::Config ClientConfig(const std::string& token = kToken) const {
    kubeclient::Config config;
    config.server.tls = false;
    config.server.host = "127.0.0.1";
    config.server.port = port_;
    config.token = token;
    config.source = "nodeagent test";
    return config;
  }

  static const api::ResourceInfo& Nodes() { return *api::FindResource("", "v1", "nodes"); }

  // The stored Node, or null.
  json GetNode(const std::string& name) {
    auto got = registry_->Get(Nodes(), "", name);
    return got.ok() ? *got : json();
  }

  json CreateNode(json node) {
    api::PrepareForCreate(Nodes(), node, api::WriteContext{"admin", api::NowRfc3339()});
    auto created = registry_->Create(Nodes(), node);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? *created : json();
  }

  // Writes the Node's status as another client would through /status.
  void WriteStatus(const std::string& name, const json& status) {
    json old = GetNode(name);
    ASSERT_TRUE(old.is_object());
    json object = old;
    object["status"] = status;
    api::PrepareForUpdate(Nodes(), old, object, true, api::WriteContext{"admin", ""});
    auto rev = api::ParseResourceVersion(old["metadata"]["resourceVersion"].get<std::string>());
    auto updated = registry_->Update(Nodes(), object, rev.value_or(0));
    ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  }

  void DeleteNode(const std::string& name) {
    json old = GetNode(name);
    ASSERT_TRUE(old.is_object());
    auto rev = api::ParseResourceVersion(old["metadata"]["resourceVersion"].get<std::string>());
    auto deleted = registry_->Delete(Nodes(), "", name, rev.value_or(0));
    ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  }

  std::unique_ptr<api::Api> api_;
  std::unique_ptr<api::HttpServer> server_;
  int port_ = 0;
};

}  // namespace waygate::nodeagent::testing

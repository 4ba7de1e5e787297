// DELETE while something else writes the object (the gateway status controller writing a
// Gateway's status, say): a plain delete must still succeed, as kube-apiserver's does (it
// re-reads and retries); preconditions are checked against the object as it is at the delete.
// A store wrapper makes the race deterministic: it writes the object once more right before
// each of the first N deletes reaches the real store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api.h"
#include "api/http_server.h"
#include "common/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::api {
namespace {

using nlohmann::json;

constexpr const char* kToken = "delete-race-token";

class InterleavingStore : public waygate::testing::ForwardingStore {
 public:
  explicit InterleavingStore(store::Store* inner) : ForwardingStore(inner) {}
  int writes_before_delete = 0;  // how many deletes still get a write slipped in before them

  Result<store::Event> Delete(std::string_view key, int64_t expected) override {
    if (writes_before_delete > 0) {
      --writes_before_delete;
      auto current = inner_->Get(key);
      if (current.ok() && !current->kvs.empty()) {
        EXPECT_TRUE(inner_->Update(key, current->kvs[0].value, 0).ok());
      }
    }
    return inner_->Delete(key, expected);
  }
};

struct Response {
  int status = 0;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

class Recorder : public ResponseWriter {
 public:
  explicit Recorder(Response* out) : out_(out) {}
  bool Send(int status, std::string_view, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>&) override {
    out_->status = status;
    out_->body = std::string(body);
    sent_ = true;
    return true;
  }
  bool StartStream(int, std::string_view) override { return false; }
  bool WriteChunk(std::string_view) override { return false; }
  bool ClientGone(int) override { return true; }
  bool sent() const override { return sent_; }

 private:
  Response* out_;
  bool sent_ = false;
};

class DeleteRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/delete-race-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    sqlite_ = std::move(*store);
    store_ = std::make_unique<InterleavingStore>(sqlite_.get());
    ApiOptions options;
    options.store = store_.get();
    options.admin_token = kToken;
    auto api = Api::Create(options);
    ASSERT_TRUE(api.ok()) << api.error().ToString();
    api_ = std::move(*api);
    ASSERT_EQ(Call("POST", "/api/v1/namespaces",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "demo"}}}})
                  .status,
              201);
    Response created = Call("POST", "/api/v1/namespaces/demo/configmaps",
                            {{"apiVersion", "v1"},
                             {"kind", "ConfigMap"},
                             {"metadata", {{"name", "settings"}}},
                             {"data", {{"a", "1"}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    uid_ = created.Json()["metadata"]["uid"];
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    sqlite_.reset();
    std::filesystem::remove_all(dir_);
  }

  Response Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.headers["authorization"] = std::string("Bearer ") + kToken;
    request.headers["accept"] = "application/json";
    if (!body.is_null()) {
      request.headers["content-type"] = "application/json";
      request.body = body.dump();
    }
    Response response;
    Recorder writer(&response);
    api_->Handle(request, writer);
    return response;
  }

  static constexpr const char* kPath = "/api/v1/namespaces/demo/configmaps/settings";
  std::string dir_;
  std::string uid_;
  std::unique_ptr<store::Store> sqlite_;
  std::unique_ptr<InterleavingStore> store_;
  std::unique_ptr<Api> api_;
};

TEST_F(DeleteRaceTest, APlainDeleteSucceedsDespiteAWriteBetweenReadAndDelete) {
  store_->writes_before_delete = 2;
  Response r = Call("DELETE", kPath);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["status"], "Success");
  EXPECT_EQ(store_->writes_before_delete, 0);  // both interleaved writes really happened
  EXPECT_EQ(Call("GET", kPath).status, 404);
}

TEST_F(DeleteRaceTest, AUidPreconditionIsCheckedAgainstTheObjectAtTheDelete) {
  store_->writes_before_delete = 1;
  Response r = Call("DELETE", kPath, {{"preconditions", {{"uid", uid_}}}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("GET", kPath).status, 404);
}

TEST_F(DeleteRaceTest, AStaleResourceVersionPreconditionStillFails) {
  std::string rv = Call("GET", kPath).Json()["metadata"]["resourceVersion"];
  store_->writes_before_delete = 1;  // the object moves on after the client read it
  Response r = Call("DELETE", kPath, {{"preconditions", {{"resourceVersion", rv}}}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.Json()["message"].get<std::string>().find("Precondition failed"),
            std::string::npos);
  EXPECT_EQ(Call("GET", kPath).status, 200);
}

TEST_F(DeleteRaceTest, AnObjectThatNeverStopsChangingGetsAConflictNotALoop) {
  store_->writes_before_delete = 1000;
  Response r = Call("DELETE", kPath);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.Json()["reason"], "Conflict");
  EXPECT_GT(store_->writes_before_delete, 990);  // a bounded number of attempts
  EXPECT_EQ(Call("GET", kPath).status, 200);
}

}  // namespace
}  // namespace waygate::api

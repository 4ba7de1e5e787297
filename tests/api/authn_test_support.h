// What the authn and oauth tests share: a real embedded store in a temp dir (behind a wrapper
// that can be told to fail reads of some keys), a TokenStore on a fixed clock, Users written as
// the API stores them, and a ResponseWriter that records status, headers and body.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/authn.h"
#include "api/http_server.h"
#include "auth/password.h"
#include "common/forwarding_store.h"
#include "iam/tokens.h"
#include "iam/users.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::api::authn_testing {

// Gets of keys starting with `failing_prefix` fail with kIo while it is non-empty.
class FlakyStore : public waygate::testing::ForwardingStore {
 public:
  explicit FlakyStore(store::Store* inner) : ForwardingStore(inner) {}
  std::string failing_prefix;
  Result<store::RangeResult> Get(std::string_view key) override {
    if (!failing_prefix.empty() && key.starts_with(failing_prefix)) {
      return MakeError(ErrorCode::kIo, "disk on fire");
    }
    return inner_->Get(key);
  }
};

struct Recorded {
  int status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class Recorder : public ResponseWriter {
 public:
  explicit Recorder(Recorded* out) : out_(out) {}
  bool Send(int status, std::string_view content_type, std::string_view body,
            const std::vector<std::pair<std::string, std::string>>& headers) override {
    out_->status = status;
    out_->content_type = std::string(content_type);
    out_->body = std::string(body);
    for (const auto& [k, v] : headers) out_->headers[k] = v;
    sent_ = true;
    return true;
  }
  bool StartStream(int, std::string_view) override { return false; }
  bool WriteChunk(std::string_view) override { return false; }
  bool ClientGone(int) override { return true; }
  bool sent() const override { return sent_; }

 private:
  Recorded* out_;
  bool sent_ = false;
};

// 43 characters, like pki::GenerateToken's.
inline constexpr const char* kAdminToken = "AdminAdminAdminAdminAdminAdminAdminAdmin123";

class StoreTest : public ::testing::Test {
 protected:
  using Clock = iam::TokenStore::Clock;

  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/authn-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    sqlite_ = std::move(*store);
    store_ = std::make_unique<FlakyStore>(sqlite_.get());
    tokens_ = std::make_unique<iam::TokenStore>(store_.get());
    now_ = Clock::from_time_t(1893456000);  // 2030-01-01T00:00:00Z
    tokens_->SetClockForTesting([this] { return now_.load(); });
    authn_ = std::make_unique<Authenticator>(store_.get(), tokens_.get(), kAdminToken);
  }
  void TearDown() override {
    authn_.reset();
    tokens_.reset();
    store_.reset();
    sqlite_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A User as the API stores it; `password` empty: none. Cost 4 keeps the tests fast.
  void PutUser(const std::string& name, const std::string& password,
               const std::string& state = "Active") {
    std::string hash;
    if (!password.empty()) {
      auto hashed = auth::HashPassword(password, 4);
      ASSERT_TRUE(hashed.ok()) << hashed.error().ToString();
      hash = *hashed;
    }
    nlohmann::json user = iam::NewUser(name, name + "@example.com", hash);
    user["status"]["state"] = state;
    std::string key = UserKey(name);
    auto existing = sqlite_->Get(key);
    ASSERT_TRUE(existing.ok());
    if (existing->kvs.empty()) {
      ASSERT_TRUE(sqlite_->Create(key, user.dump()).ok());
    } else {
      ASSERT_TRUE(sqlite_->Update(key, user.dump(), 0).ok());
    }
  }
  void DeleteUser(const std::string& name) { ASSERT_TRUE(sqlite_->Delete(UserKey(name), 0).ok()); }

  std::string Issue(const std::string& user, std::chrono::seconds ttl = std::chrono::hours(1)) {
    auto issued = tokens_->Issue(user, ttl, "test");
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->token : std::string();
  }

  std::string dir_;
  std::unique_ptr<store::Store> sqlite_;
  std::unique_ptr<FlakyStore> store_;
  std::unique_ptr<iam::TokenStore> tokens_;
  std::unique_ptr<Authenticator> authn_;
  std::atomic<Clock::time_point> now_;
};

}  // namespace waygate::api::authn_testing

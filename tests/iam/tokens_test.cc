// TokenStore over the real embedded SQLite store: issue, lookup, expiry (fixed clock), revoke,
// sweep, and tokens surviving a restart.
#include "iam/tokens.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "common/forwarding_store.h"
#include "store/sqlite/sqlite_store.h"

namespace waygate::iam {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using Clock = TokenStore::Clock;

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/iam-tokens-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    Open();
    // 2030-01-01T00:00:00Z, whole seconds.
    now_ = Clock::from_time_t(1893456000);
  }
  void TearDown() override {
    tokens_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto store = store::OpenSqliteStore(dir_ + "/store.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    tokens_ = NewTokens();
  }
  std::unique_ptr<TokenStore> NewTokens() {
    auto tokens = std::make_unique<TokenStore>(store_.get());
    tokens->SetClockForTesting([this] { return now_; });
    return tokens;
  }
  std::vector<store::KeyValue> Stored() {
    auto range = store_->Range(kTokenPrefix, "", 0, 0);
    EXPECT_TRUE(range.ok());
    return range.ok() ? range->kvs : std::vector<store::KeyValue>{};
  }
  std::string MustIssue(const std::string& user, seconds ttl = hours(1)) {
    auto issued = tokens_->Issue(user, ttl, "test");
    EXPECT_TRUE(issued.ok()) << issued.error().ToString();
    return issued.ok() ? issued->token : std::string();
  }
  void ExpectRefused(std::string_view token) {
    auto user = tokens_->Lookup(token);
    ASSERT_FALSE(user.ok()) << "accepted for " << *user;
    EXPECT_EQ(user.error().code, ErrorCode::kNotFound);
  }

  std::string dir_;
  Clock::time_point now_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TokenStore> tokens_;
};

TEST_F(TokensTest, IssuedTokenLooksUpToItsUser) {
  auto issued = tokens_->Issue("alice", hours(1), "kubectl");
  ASSERT_TRUE(issued.ok()) << issued.error().ToString();
  EXPECT_EQ(issued->user, "alice");
  EXPECT_EQ(issued->token.substr(0, 3), "wg_");
  EXPECT_EQ(issued->token.size(), 3u + 43u);
  EXPECT_EQ(issued->token.find_first_not_of(
                "wg_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", 3),
            std::string::npos);
  EXPECT_EQ(issued->expires, now_ + hours(1));

  auto user = tokens_->Lookup(issued->token);
  ASSERT_TRUE(user.ok()) << user.error().ToString();
  EXPECT_EQ(*user, "alice");
}

TEST_F(TokensTest, TokensAreDistinct) {
  EXPECT_NE(MustIssue("alice"), MustIssue("alice"));
  EXPECT_EQ(Stored().size(), 2u);
}

TEST_F(TokensTest, ZeroTtlMeansTwoHours) {
  auto issued = tokens_->Issue("alice", seconds(0), "");
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->expires, now_ + hours(2));
}

TEST_F(TokensTest, IssueRefusesNoUserAndNegativeTtl) {
  auto no_user = tokens_->Issue("", hours(1), "");
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.error().code, ErrorCode::kInvalid);
  auto negative = tokens_->Issue("alice", seconds(-1), "");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalid);
  EXPECT_TRUE(Stored().empty());
}

TEST_F(TokensTest, StoreKeepsOnlyTheHash) {
  std::string token = MustIssue("alice");
  auto kvs = Stored();
  ASSERT_EQ(kvs.size(), 1u);
  std::string_view hex = std::string_view(kvs[0].key).substr(kTokenPrefix.size());
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string_view::npos);
  EXPECT_EQ(kvs[0].value.find(token.substr(3)), std::string::npos);

  auto record = nlohmann::json::parse(kvs[0].value);
  EXPECT_EQ(record["user"], "alice");
  EXPECT_EQ(record["issued"], "2030-01-01T00:00:00Z");
  EXPECT_EQ(record["expires"], "2030-01-01T01:00:00Z");
  EXPECT_EQ(record["description"], "test");
}

TEST_F(TokensTest, ExpiredTokenIsRefusedEvenWhenCached) {
  std::string token = MustIssue("alice", seconds(60));
  ASSERT_TRUE(tokens_->Lookup(token).ok());  // now cached
  now_ += seconds(59);
  EXPECT_TRUE(tokens_->Lookup(token).ok());
  now_ += seconds(1);
  ExpectRefused(token);
  // A fresh object (no cache) reads the store and refuses it too.
  tokens_ = NewTokens();
  ExpectRefused(token);
}

TEST_F(TokensTest, UnknownAndMalformedTokensAreRefused) {
  std::string token = MustIssue("alice");
  std::string other = token;
  other[10] = other[10] == 'A' ? 'B' : 'A';
  ExpectRefused(other);
  ExpectRefused("");
  ExpectRefused("wg_");
  ExpectRefused(token.substr(0, token.size() - 1));
  ExpectRefused(token + "A");
  ExpectRefused("Bearer " + token);
  ExpectRefused("xx_" + token.substr(3));
  ExpectRefused(std::string(1 << 20, 'a'));
  std::string bad_char = token;
  bad_char[20] = '+';
  ExpectRefused(bad_char);
}

TEST_F(TokensTest, RevokeDropsTheCachedEntryAtOnceAndIsIdempotent) {
  std::string token = MustIssue("alice");
  std::string kept = MustIssue("alice");
  ASSERT_TRUE(tokens_->Lookup(token).ok());
  ASSERT_TRUE(tokens_->Revoke(token).ok());
  ExpectRefused(token);
  EXPECT_TRUE(tokens_->Revoke(token).ok());
  EXPECT_TRUE(tokens_->Revoke("not a token").ok());
  EXPECT_TRUE(tokens_->Lookup(kept).ok());
  EXPECT_EQ(Stored().size(), 1u);
}

TEST_F(TokensTest, RevokeThroughAnotherObjectIsSeenByAFreshOne) {
  std::string token = MustIssue("alice");
  auto other = NewTokens();
  ASSERT_TRUE(other->Revoke(token).ok());
  ExpectRefused(token);  // tokens_ never cached it
}

TEST_F(TokensTest, RevokeUserRemovesOnlyThatUsersTokens) {
  std::string a1 = MustIssue("alice");
  std::string a2 = MustIssue("alice");
  std::string b = MustIssue("bob");
  std::string prefix_twin = MustIssue("alice2");
  for (const auto& t : {a1, a2, b, prefix_twin}) ASSERT_TRUE(tokens_->Lookup(t).ok());

  ASSERT_TRUE(tokens_->RevokeUser("alice").ok());
  ExpectRefused(a1);
  ExpectRefused(a2);
  EXPECT_EQ(*tokens_->Lookup(b), "bob");
  EXPECT_EQ(*tokens_->Lookup(prefix_twin), "alice2");
  EXPECT_EQ(Stored().size(), 2u);
  EXPECT_TRUE(tokens_->RevokeUser("alice").ok());
  EXPECT_TRUE(tokens_->RevokeUser("nobody").ok());
}

TEST_F(TokensTest, SweepDeletesExpiredAndUnreadableRecords) {
  std::string short_lived = MustIssue("alice", seconds(10));
  std::string long_lived = MustIssue("bob", hours(1));
  ASSERT_TRUE(store_->Create(std::string(kTokenPrefix) + "garbage", "{not json").ok());

  auto none = tokens_->Sweep();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 1u);  // only the garbage
  EXPECT_EQ(Stored().size(), 2u);

  now_ += seconds(10);
  auto swept = tokens_->Sweep();
  ASSERT_TRUE(swept.ok()) << swept.error().ToString();
  EXPECT_EQ(*swept, 1u);
  auto kvs = Stored();
  ASSERT_EQ(kvs.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(kvs[0].value)["user"], "bob");
  ExpectRefused(short_lived);
  EXPECT_TRUE(tokens_->Lookup(long_lived).ok());
  EXPECT_EQ(*tokens_->Sweep(), 0u);
}

TEST_F(TokensTest, TokensSurviveARestart) {
  std::string token = MustIssue("alice");
  std::string revoked = MustIssue("alice");
  ASSERT_TRUE(tokens_->Revoke(revoked).ok());
  tokens_.reset();
  store_.reset();
  Open();
  auto user = tokens_->Lookup(token);
  ASSERT_TRUE(user.ok()) << user.error().ToString();
  EXPECT_EQ(*user, "alice");
  ExpectRefused(revoked);
}

TEST_F(TokensTest, ConcurrentLookupsAgree) {
  std::string token = MustIssue("alice");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto user = tokens_->Lookup(token);
        if (!user.ok() || *user != "alice") ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Counts reads, can fail them, and can run a hook between the read and its answer.
class InstrumentedStore : public waygate::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<store::RangeResult> Get(std::string_view key) override {
    ++gets;
    if (fail_gets) return MakeError(ErrorCode::kIo, "disk on fire");
    auto result = inner_->Get(key);
    if (after_get) std::exchange(after_get, nullptr)();
    return result;
  }
  int gets = 0;
  bool fail_gets = false;
  std::function<void()> after_get;
};

TEST_F(TokensTest, RepeatedLookupsAreServedFromTheCache) {
  InstrumentedStore counting(store_.get());
  TokenStore tokens(&counting);
  tokens.SetClockForTesting([this] { return now_; });
  auto issued = tokens.Issue("alice", hours(1), "");
  ASSERT_TRUE(issued.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(tokens.Lookup(issued->token).ok());
  EXPECT_EQ(counting.gets, 1);
}

TEST_F(TokensTest, StoreFailureIsNotReportedAsABadToken) {
  InstrumentedStore failing(store_.get());
  TokenStore tokens(&failing);
  auto issued = tokens.Issue("alice", hours(1), "");
  ASSERT_TRUE(issued.ok());
  failing.fail_gets = true;
  auto user = tokens.Lookup(issued->token);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::kIo);
}

TEST_F(TokensTest, LookupRacingARevokeDoesNotCacheTheRevokedToken) {
  InstrumentedStore racing(store_.get());
  TokenStore tokens(&racing);
  tokens.SetClockForTesting([this] { return now_; });
  auto issued = tokens.Issue("alice", hours(1), "");
  ASSERT_TRUE(issued.ok());
  // The revoke lands after the lookup read the record but before it caches the answer.
  racing.after_get = [&] { ASSERT_TRUE(tokens.Revoke(issued->token).ok()); };
  EXPECT_TRUE(tokens.Lookup(issued->token).ok());  // it was valid when read
  auto again = tokens.Lookup(issued->token);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace waygate::iam

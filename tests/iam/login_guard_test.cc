// LoginGuard with a fixed clock: per-user and per-address sliding windows, Retry-After, success
// clearing the user's count, bounded memory.
#include "iam/login_guard.h"

#include <gtest/gtest.h>

#include <string>

namespace waygate::iam {
namespace {

using std::chrono::seconds;

class LoginGuardTest : public ::testing::Test {
 protected:
  void Use(LoginGuard::Options options) {
    guard_ = std::make_unique<LoginGuard>(options);
    guard_->SetClockForTesting([this] { return now_; });
  }
  void SetUp() override { Use(LoginGuard::Options{}); }
  void Fail(const std::string& user, const std::string& address, int times = 1) {
    for (int i = 0; i < times; ++i) guard_->RecordFailure(user, address);
  }

  LoginGuard::Clock::time_point now_{seconds(1000000)};
  std::unique_ptr<LoginGuard> guard_;
};

TEST_F(LoginGuardTest, FreshAttemptsProceed) {
  EXPECT_EQ(guard_->Check("alice", "10.0.0.1").count(), 0);
}

TEST_F(LoginGuardTest, FiveFailuresPerUserBlockThatUserFromAnyAddress) {
  for (int i = 0; i < 4; ++i) {
    Fail("alice", "10.0.0." + std::to_string(i));
    EXPECT_EQ(guard_->Check("alice", "10.0.0.99").count(), 0) << "after " << i + 1;
  }
  Fail("alice", "10.0.0.4");
  EXPECT_EQ(guard_->Check("alice", "10.0.0.99"), seconds(600));
  EXPECT_EQ(guard_->Check("bob", "10.0.0.4").count(), 0);  // neither the address nor bob
}

TEST_F(LoginGuardTest, RetryAfterIsUntilTheOldestFailureLeavesTheWindow) {
  Fail("alice", "a");  // t = 0
  now_ += seconds(100);
  Fail("alice", "a", 4);  // t = 100
  EXPECT_EQ(guard_->Check("alice", "a"), seconds(500));
  now_ += seconds(499);
  EXPECT_EQ(guard_->Check("alice", "a"), seconds(1));
  now_ += seconds(1);  // the t = 0 failure leaves: four remain
  EXPECT_EQ(guard_->Check("alice", "a").count(), 0);
  Fail("alice", "a");  // five in the window again; the oldest are the t = 100 ones
  EXPECT_EQ(guard_->Check("alice", "a"), seconds(100));
}

TEST_F(LoginGuardTest, RetryAfterRoundsUp) {
  Fail("alice", "a", 5);
  now_ += std::chrono::milliseconds(1500);
  EXPECT_EQ(guard_->Check("alice", "a"), seconds(599));  // 598.5 s left
}

TEST_F(LoginGuardTest, FailuresBeyondTheLimitDoNotExtendTheWaitPastTheWindow) {
  Fail("alice", "a", 5);
  now_ += seconds(300);
  Fail("alice", "a", 50);  // an attacker ignoring 429s
  // The newest five decide: all at t = 300, so 600 s from then.
  EXPECT_EQ(guard_->Check("alice", "a"), seconds(600));
  now_ += seconds(600);
  EXPECT_EQ(guard_->Check("alice", "a").count(), 0);
}

TEST_F(LoginGuardTest, TwentyFailuresPerAddressBlockThatAddressForEveryUser) {
  for (int i = 0; i < 19; ++i) Fail("user" + std::to_string(i), "10.0.0.1");
  EXPECT_EQ(guard_->Check("someone", "10.0.0.1").count(), 0);
  Fail("user19", "10.0.0.1");
  EXPECT_EQ(guard_->Check("someone", "10.0.0.1"), seconds(600));
  EXPECT_EQ(guard_->Check("someone", "10.0.0.2").count(), 0);
}

TEST_F(LoginGuardTest, SuccessClearsTheUserButNotTheAddress) {
  Use({.failures_per_user = 2, .failures_per_address = 3, .window = seconds(60)});
  Fail("alice", "a", 2);
  EXPECT_EQ(guard_->Check("alice", "b"), seconds(60));
  guard_->RecordSuccess("alice");
  EXPECT_EQ(guard_->Check("alice", "b").count(), 0);
  Fail("alice", "a");  // counts from zero again for alice, but "a" now has three
  EXPECT_EQ(guard_->Check("alice", "b").count(), 0);
  EXPECT_EQ(guard_->Check("carol", "a"), seconds(60));
}

TEST_F(LoginGuardTest, LongerWaitOfUserAndAddressWins) {
  Use({.failures_per_user = 2, .failures_per_address = 2, .window = seconds(60)});
  Fail("alice", "x", 2);  // t = 0: user alice and address x both at the limit
  now_ += seconds(30);
  Fail("bob", "a", 2);                                  // t = 30: address a at the limit
  EXPECT_EQ(guard_->Check("alice", "a"), seconds(60));  // a waits 60, alice 30
  EXPECT_EQ(guard_->Check("alice", "y"), seconds(30));
}

TEST_F(LoginGuardTest, MemoryIsBoundedByEvictingTheOldestEntries) {
  Use({.failures_per_user = 1,
       .failures_per_address = 1000,
       .window = seconds(600),
       .max_entries = 10});
  for (int i = 0; i < 10; ++i) {
    Fail("user" + std::to_string(i), "a");
    now_ += seconds(1);
  }
  EXPECT_EQ(guard_->Check("user0", "b"), seconds(590));
  Fail("user10", "a");  // the table is full: the oldest entry (user0) goes
  EXPECT_EQ(guard_->Check("user0", "b").count(), 0);
  EXPECT_GT(guard_->Check("user9", "b").count(), 0);
  EXPECT_GT(guard_->Check("user10", "b").count(), 0);
}

}  // namespace
}  // namespace waygate::iam

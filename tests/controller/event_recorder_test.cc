#include "controller/event_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixture.h"

namespace waygate::controller::testing {
namespace {

class EventRecorderTest : public StoreFixture {
 protected:
  IngressRefs Web(const std::string& ns = "demo") {
    IngressRefs refs;
    refs.namespace_ = ns;
    refs.name = "web";
    refs.uid = "0d7c1a5e-uid";
    refs.resource_version = "17";
    return refs;
  }

  std::string clock_ = "2026-01-02T03:04:05Z";
  std::function<std::string()> now_ = [this] { return clock_; };
};

TEST_F(EventRecorderTest, WritesAnEventShapedLikeClientGosRecorder) {
  EventRecorder recorder(registry_.get(), "waygate", now_);
  auto outcome = recorder.Warning(Web(), "ServiceNotFound", "service \"demo/web\" not found");
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(*outcome, EventRecorder::Outcome::kCreated);

  auto events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);
  const json& e = events[0];
  EXPECT_EQ(e["apiVersion"], "v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_THAT(e["metadata"]["name"].get<std::string>(),
              ::testing::MatchesRegex("web\\.[0-9a-f]{16}"));
  EXPECT_EQ(e["metadata"]["namespace"], "demo");
  EXPECT_FALSE(e["metadata"].value("uid", "").empty());
  EXPECT_EQ(e["metadata"]["creationTimestamp"], clock_);
  EXPECT_FALSE(e["metadata"].contains("annotations"));  // no kubesphere.io/creator on Events
  json involved = {{"kind", "Ingress"},
                   {"namespace", "demo"},
                   {"name", "web"},
                   {"uid", "0d7c1a5e-uid"},
                   {"apiVersion", "networking.k8s.io/v1"},
                   {"resourceVersion", "17"}};
  EXPECT_EQ(e["involvedObject"], involved);
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "ServiceNotFound");
  EXPECT_EQ(e["message"], "service \"demo/web\" not found");
  EXPECT_EQ(e["source"], json({{"component", "waygate"}}));
  EXPECT_EQ(e["reportingComponent"], "waygate");
  EXPECT_EQ(e["firstTimestamp"], clock_);
  EXPECT_EQ(e["lastTimestamp"], clock_);
  EXPECT_EQ(e["count"], 1);
}

TEST_F(EventRecorderTest, RepeatsAggregateIntoOneEventDifferentMessagesDoNot) {
  EventRecorder recorder(registry_.get(), "waygate", now_);
  ASSERT_TRUE(recorder.Warning(Web(), "ServiceNotFound", "service \"demo/web\" not found").ok());
  std::string first = clock_;
  clock_ = "2026-01-02T03:09:00Z";
  auto again = recorder.Warning(Web(), "ServiceNotFound", "service \"demo/web\" not found");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, EventRecorder::Outcome::kAggregated);
  auto third = recorder.Warning(Web(), "ServiceNotFound", "service \"demo/web\" not found");
  ASSERT_TRUE(third.ok());

  auto events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 3);
  EXPECT_EQ(events[0]["firstTimestamp"], first);
  EXPECT_EQ(events[0]["lastTimestamp"], clock_);

  auto other =
      recorder.Warning(Web(), "ServicePortNotFound", "service \"demo/web\" has no port 80");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, EventRecorder::Outcome::kCreated);
  EXPECT_EQ(EventsAbout("demo", "web").size(), 2u);
}

TEST_F(EventRecorderTest, ARestartedRecorderAggregatesIntoTheEventsItWroteBefore) {
  {
    EventRecorder before(registry_.get(), "waygate", now_);
    ASSERT_TRUE(before.Warning(Web(), "SecretNotFound", "secret \"demo/tls\" not found").ok());
  }
  EventRecorder after(registry_.get(), "waygate", now_);
  ASSERT_TRUE(after.Seed().ok());
  EXPECT_EQ(after.tracked(), 1u);
  auto outcome = after.Warning(Web(), "SecretNotFound", "secret \"demo/tls\" not found");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, EventRecorder::Outcome::kAggregated);
  auto events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 2);

  // Another component's Events are not ours to aggregate into.
  EventRecorder stranger(registry_.get(), "someone-else", now_);
  ASSERT_TRUE(stranger.Seed().ok());
  EXPECT_EQ(stranger.tracked(), 0u);
}

TEST_F(EventRecorderTest, ADeletedEventIsRecreatedNotResurrectedByUpdate) {
  EventRecorder recorder(registry_.get(), "waygate", now_);
  ASSERT_TRUE(recorder.Warning(Web(), "ServiceNotFound", "m").ok());
  auto events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(
      registry_
          ->Delete(Info("", "events"), "demo", events[0]["metadata"]["name"].get<std::string>(), 0)
          .ok());
  auto outcome = recorder.Warning(Web(), "ServiceNotFound", "m");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, EventRecorder::Outcome::kCreated);
  events = EventsAbout("demo", "web");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 1);
}

TEST_F(EventRecorderTest, NoEventsIntoAMissingOrTerminatingNamespace) {
  EventRecorder recorder(registry_.get(), "waygate", now_);
  auto missing = recorder.Warning(Web("nowhere"), "ServiceNotFound", "m");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, EventRecorder::Outcome::kSkipped);
  EXPECT_TRUE(EventsAbout("nowhere", "web").empty());

  // What the API's namespace deletion writes first (deletion fields are the server's own, so
  // straight through the registry).
  auto ns = registry_->Get(Info("", "namespaces"), "", "demo");
  ASSERT_TRUE(ns.ok());
  json marked = *ns;
  marked["metadata"]["deletionTimestamp"] = "2026-01-02T03:04:05Z";
  marked["status"]["phase"] = "Terminating";
  ASSERT_TRUE(registry_->Update(Info("", "namespaces"), marked, 0).ok());
  auto terminating = recorder.Warning(Web(), "ServiceNotFound", "m");
  ASSERT_TRUE(terminating.ok());
  EXPECT_EQ(*terminating, EventRecorder::Outcome::kSkipped);
  EXPECT_TRUE(EventsAbout("demo", "web").empty());
}

TEST_F(EventRecorderTest, ForgetDropsOnlyThatIngresssEntries) {
  EventRecorder recorder(registry_.get(), "waygate", now_);
  IngressRefs other = Web();
  other.name = "api";
  other.uid = "other-uid";
  ASSERT_TRUE(recorder.Warning(Web(), "ServiceNotFound", "a").ok());
  ASSERT_TRUE(recorder.Warning(Web(), "SecretNotFound", "b").ok());
  ASSERT_TRUE(recorder.Warning(other, "ServiceNotFound", "a").ok());
  EXPECT_EQ(recorder.tracked(), 3u);
  recorder.Forget(Web().uid);
  EXPECT_EQ(recorder.tracked(), 1u);
  auto outcome = recorder.Warning(other, "ServiceNotFound", "a");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, EventRecorder::Outcome::kAggregated);
}

}  // namespace
}  // namespace waygate::controller::testing

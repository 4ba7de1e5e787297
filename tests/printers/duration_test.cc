// HumanDuration thresholds (k8s.io/apimachinery/pkg/util/duration) and AGE cells computed from
// creationTimestamp strings.
#include <gtest/gtest.h>

#include "printers/table.h"
#include "test_util.h"

namespace waygate::printers {
namespace {

using namespace std::chrono_literals;
using testing::Ago;
using testing::Cells;
using testing::json;

TEST(HumanDuration, EveryBranch) {
  struct Case {
    std::chrono::nanoseconds d;
    const char* want;
  };
  const Case cases[] = {
      {0s, "0s"},
      {-1s, "0s"},  // clock skew of up to two seconds still reads as "now"
      {-1500ms, "0s"},
      {-2s, "<invalid>"},
      {-1h, "<invalid>"},
      {999ms, "0s"},
      {45s, "45s"},
      {119s, "119s"},
      {2min, "2m"},
      {5min + 30s, "5m30s"},
      {9min + 59s, "9m59s"},
      {10min, "10m"},
      {10min + 59s, "10m"},
      {179min, "179m"},
      {3h, "3h"},
      {3h + 5min, "3h5m"},
      {7h + 59min, "7h59m"},
      {8h, "8h"},
      {8h + 30min, "8h"},
      {47h, "47h"},
      {48h, "2d"},
      {53h, "2d5h"},
      {7 * 24h + 23h, "7d23h"},
      {8 * 24h, "8d"},
      {400 * 24h, "400d"},
      {729 * 24h + 23h, "729d"},
      {730 * 24h, "2y"},
      {(3 * 365 + 45) * 24h, "3y45d"},
      {(7 * 365 + 364) * 24h, "7y364d"},
      {8 * 365 * 24h, "8y"},
      {100 * 365 * 24h, "100y"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HumanDuration(c.d), c.want) << c.d.count() << "ns";
  }
}

json NamespaceCreated(const json& created) {
  json ns = {{"metadata", {{"name", "demo"}}}, {"status", {{"phase", "Active"}}}};
  if (!created.is_null()) ns["metadata"]["creationTimestamp"] = created;
  return ns;
}

std::string AgeOf(const json& created) {
  return Cells("", "Namespace", NamespaceCreated(created))[2].get<std::string>();
}

TEST(Age, FromCreationTimestamp) {
  EXPECT_EQ(AgeOf(Ago(0s)), "0s");
  EXPECT_EQ(AgeOf(Ago(45s)), "45s");
  EXPECT_EQ(AgeOf(Ago(5min + 30s)), "5m30s");
  EXPECT_EQ(AgeOf(Ago(3h)), "3h");
  EXPECT_EQ(AgeOf(Ago(53h)), "2d5h");
  EXPECT_EQ(AgeOf(Ago((3 * 365 + 45) * 24h)), "3y45d");
}

TEST(Age, OffsetsAndFractionsAreHonoured) {
  // Now() is 2024-05-01T12:00:00Z.
  EXPECT_EQ(AgeOf("2024-05-01T10:00:00+02:00"), "4h");
  EXPECT_EQ(AgeOf("2024-05-01T13:00:00+02:00"), "60m");  // under three hours: minutes
  EXPECT_EQ(AgeOf("2024-05-01T06:30:00-05:00"), "30m");
  EXPECT_EQ(AgeOf("2024-05-01T11:59:15.999999Z"), "44s");
  EXPECT_EQ(AgeOf("2024-05-01T12:00:01Z"), "0s");  // a second in the future
  EXPECT_EQ(AgeOf("2024-05-01T12:00:05Z"), "<invalid>");
  EXPECT_EQ(AgeOf("2024-02-29T12:00:00Z"), "62d");  // leap day
}

TEST(Age, UnsetOrUnreadableIsUnknown) {
  EXPECT_EQ(AgeOf(nullptr), "<unknown>");
  EXPECT_EQ(AgeOf(""), "<unknown>");
  EXPECT_EQ(AgeOf("0001-01-01T00:00:00Z"), "<unknown>");  // Go's zero time
  EXPECT_EQ(AgeOf("yesterday"), "<unknown>");
  EXPECT_EQ(AgeOf("2024-13-01T00:00:00Z"), "<unknown>");
  EXPECT_EQ(AgeOf("2024-02-30T00:00:00Z"), "<unknown>");
  EXPECT_EQ(AgeOf("2024-05-01T12:00:00"), "<unknown>");  // no zone
  EXPECT_EQ(AgeOf(1714564800), "<unknown>");             // not a string
}

TEST(Age, CenturiesSaturateLikeGo) {
  // time.Since saturates at the largest Duration (~292 years) instead of overflowing.
  EXPECT_EQ(AgeOf("0001-01-01T00:00:01Z"), "292y");
  EXPECT_EQ(AgeOf("9999-12-31T23:59:59Z"), "<invalid>");
}

}  // namespace
}  // namespace waygate::printers

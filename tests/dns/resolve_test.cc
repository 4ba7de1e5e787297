#include "dns/resolve.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/nip.h"
#include "dns/zone.h"

namespace waygate::dns {
namespace {

std::string Text(const Ipv4& a) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, a.data(), buf, sizeof(buf));
  return buf;
}
std::string Text(const Ipv6& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a.data(), buf, sizeof(buf));
  return buf;
}
template <class T>
std::vector<std::string> Texts(const std::vector<T>& list) {
  std::vector<std::string> out;
  for (const T& a : list) out.push_back(Text(a));
  return out;
}

std::shared_ptr<const Zone> TestZone() {
  ZoneSpec spec;
  spec.hosts = {
      {"demo.kubesphere.io", {"192.168.0.10", "192.168.0.11"}},
      {"v6.example.net", {"2001:db8::1"}},
      {"Mixed.Example.NET.", {"10.1.1.1", "2001:db8::2"}},
      {"*.apps.example.com", {"172.16.0.5"}},
      {"pending.example.com", {}},
      {"10.0.0.9.nip.io", {"192.168.0.99"}},  // a nip name that is also a route host
      {"plain.nip.io", {"192.168.0.77"}},
  };
  spec.ttl = 30;
  Result<std::shared_ptr<const Zone>> zone = Zone::Create(spec);
  EXPECT_TRUE(zone.ok()) << zone.error().ToString();
  return *zone;
}

std::vector<std::string> A(const Zone& z, std::string_view name) {
  Answer a = Resolve(z, name, QType::kA);
  EXPECT_EQ(a.outcome, Outcome::kAnswer) << name;
  return Texts(a.a);
}

TEST(Resolve, NipDotForms) {
  auto z = TestZone();
  EXPECT_EQ(A(*z, "10.0.0.1.nip.io"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(A(*z, "app.10.0.0.1.nip.io"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(A(*z, "customer1.app.10.0.0.1.nip.io"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(A(*z, "demo2.kubesphere.139.198.121.154.nip.io"),
            std::vector<std::string>{"139.198.121.154"});
  EXPECT_EQ(A(*z, "127.0.0.1.sslip.io"), std::vector<std::string>{"127.0.0.1"});
}

TEST(Resolve, NipDashAndHexForms) {
  auto z = TestZone();
  EXPECT_EQ(A(*z, "app-10-0-0-1.nip.io"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(A(*z, "10-0-0-1.nip.io"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(A(*z, "www.192-168-0-1.sslip.io"), std::vector<std::string>{"192.168.0.1"});
  EXPECT_EQ(A(*z, "magic-127-0-0-1.nip.io"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(A(*z, "app-c0a80101.nip.io"), std::vector<std::string>{"192.168.1.1"});
  // The rightmost address wins, as on nip.io.
  EXPECT_EQ(A(*z, "1.2.3.4.10.0.0.1.nip.io"), std::vector<std::string>{"10.0.0.1"});
}

TEST(Resolve, SslipIpv6DashForm) {
  auto z = TestZone();
  Answer a = Resolve(*z, "--1.sslip.io", QType::kAaaa);
  ASSERT_EQ(a.outcome, Outcome::kAnswer);
  EXPECT_EQ(Texts(a.aaaa), std::vector<std::string>{"::1"});
  a = Resolve(*z, "www.2a01-4f8-c17-b8f--2.sslip.io", QType::kAaaa);
  ASSERT_EQ(a.outcome, Outcome::kAnswer);
  EXPECT_EQ(Texts(a.aaaa), std::vector<std::string>{"2a01:4f8:c17:b8f::2"});
  EXPECT_EQ(a.apex, "sslip.io");
  // An IPv6 name has no A record, an IPv4 name no AAAA: the name exists either way.
  EXPECT_EQ(Resolve(*z, "--1.sslip.io", QType::kA).outcome, Outcome::kNoData);
  EXPECT_EQ(Resolve(*z, "app.10.0.0.1.nip.io", QType::kAaaa).outcome, Outcome::kNoData);
}

TEST(Resolve, NipWithoutAddressIsNxDomainAndTheSuffixItselfExists) {
  auto z = TestZone();
  for (const char* name : {"foo.nip.io", "10.0.0.nip.io", "256.0.0.1.nip.io", "app-10-0-0.nip.io",
                           "a.b.c.d.nip.io", "010.0.0.1.nip.io", "x.y.sslip.io", "-1.sslip.io"}) {
    Answer a = Resolve(*z, name, QType::kA);
    EXPECT_EQ(a.outcome, Outcome::kNxDomain) << name;
    EXPECT_FALSE(a.apex.empty()) << name;
  }
  Answer apex = Resolve(*z, "nip.io", QType::kA);
  EXPECT_EQ(apex.outcome, Outcome::kNoData);
  EXPECT_EQ(apex.apex, "nip.io");
  Answer soa = Resolve(*z, "sslip.io.", QType::kSoa);
  EXPECT_EQ(soa.outcome, Outcome::kAnswer);
  EXPECT_TRUE(soa.soa);
}

TEST(Resolve, NipAddressWinsOverRouteHostButAddresslessNipNameFallsBackToRoutes) {
  auto z = TestZone();
  EXPECT_EQ(A(*z, "10.0.0.9.nip.io"), std::vector<std::string>{"10.0.0.9"});
  EXPECT_EQ(A(*z, "plain.nip.io"), std::vector<std::string>{"192.168.0.77"});
}

TEST(Resolve, ExactRouteHosts) {
  auto z = TestZone();
  EXPECT_EQ(A(*z, "demo.kubesphere.io"),
            (std::vector<std::string>{"192.168.0.10", "192.168.0.11"}));
  Answer a = Resolve(*z, "demo.kubesphere.io", QType::kA);
  EXPECT_EQ(a.ttl, 30u);
  EXPECT_EQ(a.apex, "demo.kubesphere.io");
  // Configured as "Mixed.Example.NET." and queried in another case, with and without the dot.
  EXPECT_EQ(A(*z, "mixed.example.net"), std::vector<std::string>{"10.1.1.1"});
  EXPECT_EQ(A(*z, "MIXED.example.Net."), std::vector<std::string>{"10.1.1.1"});
  Answer six = Resolve(*z, "mixed.EXAMPLE.net", QType::kAaaa);
  ASSERT_EQ(six.outcome, Outcome::kAnswer);
  EXPECT_EQ(Texts(six.aaaa), std::vector<std::string>{"2001:db8::2"});
  Answer any = Resolve(*z, "mixed.example.net", QType::kAny);
  EXPECT_EQ(any.a.size(), 1u);
  EXPECT_EQ(any.aaaa.size(), 1u);
}

TEST(Resolve, NoDataForExistingNames) {
  auto z = TestZone();
  EXPECT_EQ(Resolve(*z, "v6.example.net", QType::kA).outcome, Outcome::kNoData);
  EXPECT_EQ(Resolve(*z, "demo.kubesphere.io", QType::kAaaa).outcome, Outcome::kNoData);
  EXPECT_EQ(Resolve(*z, "demo.kubesphere.io", static_cast<QType>(15)).outcome,  // MX
            Outcome::kNoData);
  EXPECT_EQ(Resolve(*z, "demo.kubesphere.io", QType::kNs).outcome, Outcome::kNoData);
  // A route whose gateway has no address yet still exists.
  EXPECT_EQ(Resolve(*z, "pending.example.com", QType::kA).outcome, Outcome::kNoData);
}

TEST(Resolve, WildcardHostsCoverExactlyOneLabel) {
  auto z = TestZone();
  EXPECT_EQ(A(*z, "shop.apps.example.com"), std::vector<std::string>{"172.16.0.5"});
  EXPECT_EQ(A(*z, "SHOP.Apps.Example.com."), std::vector<std::string>{"172.16.0.5"});
  Answer base = Resolve(*z, "apps.example.com", QType::kA);
  EXPECT_EQ(base.outcome, Outcome::kNoData);  // the wildcard's parent exists (empty)
  Answer deep = Resolve(*z, "a.b.apps.example.com", QType::kA);
  EXPECT_EQ(deep.outcome, Outcome::kNxDomain);
  EXPECT_EQ(deep.apex, "apps.example.com");
}

TEST(Resolve, BelowAnExactHostIsNxDomain) {
  auto z = TestZone();
  Answer a = Resolve(*z, "x.demo.kubesphere.io", QType::kA);
  EXPECT_EQ(a.outcome, Outcome::kNxDomain);
  EXPECT_EQ(a.apex, "demo.kubesphere.io");
}

TEST(Resolve, OutsideOurAuthorityIsRefused) {
  auto z = TestZone();
  for (const char* name : {"example.org", "kubesphere.io", "example.com", "io", "com.",
                           "demo.kubesphere.io.evil.org", "nip.io.evil.org", "xnip.io"}) {
    Answer a = Resolve(*z, name, QType::kA);
    EXPECT_EQ(a.outcome, Outcome::kRefused) << name;
    EXPECT_TRUE(a.apex.empty()) << name;
  }
  for (const char* name : {"", ".", "a..nip.io", "..", "demo.kubesphere.io.."}) {
    EXPECT_EQ(Resolve(*z, name, QType::kA).outcome, Outcome::kRefused) << name;
  }
  EXPECT_EQ(Resolve(*z, std::string(64, 'a') + ".nip.io", QType::kA).outcome, Outcome::kRefused);
}

TEST(Resolve, ConfigurableSuffixes) {
  ZoneSpec spec;
  spec.nip_suffixes = {"Local.Test."};
  auto z = Zone::Create(spec);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(A(**z, "app.10.0.0.1.local.test"), std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(Resolve(**z, "app.10.0.0.1.nip.io", QType::kA).outcome, Outcome::kRefused);
}

TEST(Zone, RejectsWhatIsNotADnsNameOrAddress) {
  ZoneSpec spec;
  spec.hosts = {{"ok.example.com", {"10.0.0.1"}}, {"bad..example.com", {}}};
  Result<std::shared_ptr<const Zone>> z = Zone::Create(spec);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().field, "hosts[1].host");

  spec.hosts = {{"ok.example.com", {"10.0.0.1", "10.0.0.300"}}};
  z = Zone::Create(spec);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().field, "hosts[0].addresses[1]");

  spec.hosts = {{"a.*.example.com", {}}};
  EXPECT_FALSE(Zone::Create(spec).ok());
  spec.hosts = {{"*", {}}};
  EXPECT_FALSE(Zone::Create(spec).ok());
  spec.hosts = {};
  spec.nip_suffixes = {""};
  z = Zone::Create(spec);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().field, "nip_suffixes[0]");
}

TEST(Zone, MergesEntriesForOneHost) {
  ZoneSpec spec;
  spec.hosts = {{"a.example.com", {"10.0.0.1"}},
                {"A.example.com", {"10.0.0.1", "10.0.0.2"}},
                {"a.example.com.", {"::1"}}};
  auto z = Zone::Create(spec);
  ASSERT_TRUE(z.ok());
  const HostRecords* r = (*z)->FindExact("a.example.com");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Texts(r->v4), (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(Texts(r->v6), std::vector<std::string>{"::1"});
}

TEST(NipAddress, RejectsNearMisses) {
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("1.2.3")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress(".1.2.3")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("1.2.3.4x")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("1.2.3.1234")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("app-c0a8010")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("app-c0a8010g")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(ParseNipAddress("1--2--3")));
  EXPECT_TRUE(std::holds_alternative<Ipv4>(ParseNipAddress("0.0.0.0")));
  EXPECT_TRUE(std::holds_alternative<Ipv4>(ParseNipAddress("x.255.255.255.255")));
}

}  // namespace
}  // namespace waygate::dns

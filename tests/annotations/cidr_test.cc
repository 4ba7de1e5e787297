// cidr.cc: CidrSet parsing and membership.
#include "annotations/cidr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace waygate::annotations {
namespace {

CidrSet MustParse(std::string_view list) {
  auto parsed = CidrSet::Parse(list);
  EXPECT_TRUE(parsed.ok()) << list << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : CidrSet{};
}

TEST(CidrSet, Ipv4Networks) {
  CidrSet set = MustParse("10.0.0.0/8, 192.168.1.7,172.16.0.0/12");
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.ContainsText("10.255.255.255"));
  EXPECT_TRUE(set.ContainsText("192.168.1.7"));
  EXPECT_FALSE(set.ContainsText("192.168.1.8"));
  EXPECT_TRUE(set.ContainsText("172.31.0.1"));
  EXPECT_FALSE(set.ContainsText("172.32.0.1"));
  EXPECT_FALSE(set.ContainsText("11.0.0.1"));
  EXPECT_FALSE(set.ContainsText("not an address"));
  EXPECT_FALSE(set.ContainsText("fd00::1"));
}

TEST(CidrSet, ZeroPrefixCoversEverything) {
  CidrSet v4 = MustParse("0.0.0.0/0");
  EXPECT_TRUE(v4.ContainsText("1.2.3.4"));
  EXPECT_FALSE(v4.ContainsText("::1"));
  CidrSet v6 = MustParse("::/0");
  EXPECT_TRUE(v6.ContainsText("2001:db8::1"));
}

TEST(CidrSet, Ipv6Networks) {
  CidrSet set = MustParse("2001:db8::/32, fd00::1, 2001:db8:abcd:12::/63");
  EXPECT_TRUE(set.ContainsText("2001:db8:ffff::1"));
  EXPECT_FALSE(set.ContainsText("2001:db9::1"));
  EXPECT_TRUE(set.ContainsText("fd00::1"));
  EXPECT_FALSE(set.ContainsText("fd00::2"));
  EXPECT_FALSE(set.ContainsText("10.0.0.1"));
  CidrSet odd = MustParse("2001:db8:abcd:12::/63");
  EXPECT_TRUE(odd.ContainsText("2001:db8:abcd:13::1"));
  EXPECT_FALSE(odd.ContainsText("2001:db8:abcd:14::1"));
}

TEST(CidrSet, MappedAddressesMatchAsIpv4) {
  CidrSet set = MustParse("18.0.0.0/8");
  EXPECT_TRUE(set.ContainsText("::ffff:18.1.0.1"));
  EXPECT_FALSE(set.ContainsText("::ffff:19.1.0.1"));
  sockaddr_in6 peer{};
  peer.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:18.2.3.4", &peer.sin6_addr), 1);
  EXPECT_TRUE(set.Contains(reinterpret_cast<const sockaddr*>(&peer)));
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "18.9.9.9", &v4.sin_addr), 1);
  EXPECT_TRUE(set.Contains(reinterpret_cast<const sockaddr*>(&v4)));
  sockaddr unix_peer{};
  unix_peer.sa_family = AF_UNIX;
  EXPECT_FALSE(set.Contains(&unix_peer));
}

TEST(CidrSet, HostBitsAreRefused) {
  for (const char* bad : {"10.0.0.1/8", "192.168.1.1/24", "2001:db8::1/32", "fd00::4000/113"}) {
    auto parsed = CidrSet::Parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
    EXPECT_NE(parsed.error().message.find("bits set past the prefix"), std::string::npos);
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos);
  }
}

TEST(CidrSet, BadPrefixesAndItems) {
  for (const char* bad :
       {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/08x", "10.0.0.0/1000",
        "::/129", "10.0.0/8", "10.0.0.256", "host.example.com", "", ",", "10.0.0.0/8,",
        ", 10.0.0.0/8", "10.0.0.0/8 10.1.0.0/16", "1.2.3.4/32/1"}) {
    auto parsed = CidrSet::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << "\"" << bad << "\"";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().message.rfind("invalid CIDR \"", 0), 0u) << parsed.error().message;
    }
  }
}

TEST(CidrSet, LeadingZeroPrefixIsItsValue) {
  CidrSet set = MustParse("10.0.0.0/08");
  EXPECT_TRUE(set.ContainsText("10.200.0.1"));
}

}  // namespace
}  // namespace waygate::annotations

#include "gateways/ranges.h"

#include <gtest/gtest.h>

namespace waygate::gateways {
namespace {

IpAddress Ip(const char* text) { return IpAddress::Parse(text).value(); }

TEST(PortRange, ParsesRangesAndSinglePorts) {
  Result<PortRange> r = ParsePortRange("30000-32767");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 30000);
  EXPECT_EQ(r->last, 32767);
  EXPECT_EQ(r->size(), 2768);
  EXPECT_EQ(r->ToString(), "30000-32767");
  EXPECT_TRUE(r->Contains(30000));
  EXPECT_TRUE(r->Contains(32767));
  EXPECT_FALSE(r->Contains(29999));
  EXPECT_FALSE(r->Contains(32768));

  Result<PortRange> one = ParsePortRange("30080");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->first, 30080);
  EXPECT_EQ(one->last, 30080);
  EXPECT_EQ(one->size(), 1);
}

TEST(PortRange, RejectsReversedOutOfRangeAndJunk) {
  for (const char* bad : {"32767-30000", "0-100", "30000-65536", "70000", "-1", "a-b", "", "30000-",
                          "30000-32767-1", "30000 32767", "3e4"}) {
    Result<PortRange> r = ParsePortRange(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
      EXPECT_NE(r.error().message.find("invalid port range"), std::string::npos);
    }
  }
  EXPECT_NE(ParsePortRange("32767-30000").error().message.find("greater than the last"),
            std::string::npos);
}

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  EXPECT_EQ(Ip("127.0.0.100").ToString(), "127.0.0.100");
  EXPECT_EQ(Ip("010.000.000.001").ToString(), "10.0.0.1");  // leading zeros are decimal
  EXPECT_EQ(Ip("2001:DB8:0:0::1").ToString(), "2001:db8::1");
  EXPECT_TRUE(Ip("::1").is_v6());
  EXPECT_FALSE(Ip("1.2.3.4").is_v6());
  for (const char* bad : {"1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "fe80::1%eth0", "x", ""}) {
    EXPECT_FALSE(IpAddress::Parse(bad).has_value()) << bad;
  }
  EXPECT_TRUE(Ip("10.0.0.1") < Ip("10.0.0.2"));
  EXPECT_TRUE(Ip("255.255.255.255") < Ip("::"));  // IPv4 sorts before IPv6
  EXPECT_FALSE(Ip("0.0.0.1") == Ip("::1"));
}

TEST(AddressPool, RangeContainsAndFirstFree) {
  Result<AddressPool> pool = ParseAddressPool({"127.0.0.100-127.0.0.102"});
  ASSERT_TRUE(pool.ok()) << pool.error().ToString();
  EXPECT_TRUE(pool->Contains("127.0.0.100"));
  EXPECT_TRUE(pool->Contains("127.0.0.102"));
  EXPECT_FALSE(pool->Contains("127.0.0.103"));
  EXPECT_FALSE(pool->Contains("127.0.0.99"));
  EXPECT_FALSE(pool->Contains("not-an-ip"));
  EXPECT_EQ(pool->FirstFree({})->ToString(), "127.0.0.100");
  EXPECT_EQ(pool->FirstFree({Ip("127.0.0.100")})->ToString(), "127.0.0.101");
  EXPECT_EQ(pool->FirstFree({Ip("127.0.0.101")})->ToString(), "127.0.0.100");
  EXPECT_EQ(pool->FirstFree({Ip("127.0.0.100"), Ip("127.0.0.101")})->ToString(), "127.0.0.102");
  EXPECT_FALSE(pool->FirstFree({Ip("127.0.0.100"), Ip("127.0.0.101"), Ip("127.0.0.102")}));
  EXPECT_EQ(pool->ToString(), "127.0.0.100-127.0.0.102");
}

TEST(AddressPool, Ipv4CidrSkipsNetworkAndBroadcastBelowSlash31) {
  Result<AddressPool> pool = ParseAddressPool({"10.0.0.0/28"});
  ASSERT_TRUE(pool.ok());
  EXPECT_FALSE(pool->Contains("10.0.0.0"));
  EXPECT_TRUE(pool->Contains("10.0.0.1"));
  EXPECT_TRUE(pool->Contains("10.0.0.14"));
  EXPECT_FALSE(pool->Contains("10.0.0.15"));
  EXPECT_EQ(pool->FirstFree({})->ToString(), "10.0.0.1");

  Result<AddressPool> p31 = ParseAddressPool({"10.0.0.4/31"});
  ASSERT_TRUE(p31.ok());
  EXPECT_TRUE(p31->Contains("10.0.0.4"));
  EXPECT_TRUE(p31->Contains("10.0.0.5"));
  EXPECT_EQ(p31->FirstFree({})->ToString(), "10.0.0.4");

  Result<AddressPool> p32 = ParseAddressPool({"192.0.2.7/32"});
  ASSERT_TRUE(p32.ok());
  EXPECT_EQ(p32->FirstFree({})->ToString(), "192.0.2.7");
  EXPECT_FALSE(p32->FirstFree({Ip("192.0.2.7")}));

  Result<AddressPool> masked = ParseAddressPool({"10.0.0.5/30"});  // host bits are cleared
  ASSERT_TRUE(masked.ok());
  EXPECT_EQ(masked->FirstFree({})->ToString(), "10.0.0.5");
  EXPECT_EQ(masked->FirstFree({Ip("10.0.0.5")})->ToString(), "10.0.0.6");
  EXPECT_FALSE(masked->FirstFree({Ip("10.0.0.5"), Ip("10.0.0.6")}));
}

TEST(AddressPool, Ipv6KeepsEveryAddressAndHugeRangesStayCheap) {
  Result<AddressPool> pool = ParseAddressPool({"fd00::/64"});
  ASSERT_TRUE(pool.ok());
  EXPECT_TRUE(pool->Contains("fd00::"));
  EXPECT_TRUE(pool->Contains("fd00::ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(pool->Contains("fd00:0:0:1::"));
  EXPECT_EQ(pool->FirstFree({})->ToString(), "fd00::");
  EXPECT_EQ(pool->FirstFree({Ip("fd00::"), Ip("fd00::1")})->ToString(), "fd00::2");
  Result<AddressPool> range = ParseAddressPool({"2001:db8::10-2001:db8::11"});
  ASSERT_TRUE(range.ok());
  EXPECT_FALSE(range->FirstFree({Ip("2001:db8::10"), Ip("2001:db8::11")}));
  Result<AddressPool> all = ParseAddressPool({"::/0"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(all->Contains("1.2.3.4"));
}

TEST(AddressPool, SeveralEntriesInOrderAndCommaSeparated) {
  Result<AddressPool> pool =
      ParseAddressPool({"127.0.0.200-127.0.0.200, 127.0.0.100-127.0.0.101", "fd00::1-fd00::1"});
  ASSERT_TRUE(pool.ok()) << pool.error().ToString();
  ASSERT_EQ(pool->ranges().size(), 3u);
  // Entry order decides, not address order.
  EXPECT_EQ(pool->FirstFree({})->ToString(), "127.0.0.200");
  EXPECT_EQ(pool->FirstFree({Ip("127.0.0.200")})->ToString(), "127.0.0.100");
  EXPECT_EQ(pool->FirstFree({Ip("127.0.0.200"), Ip("127.0.0.100"), Ip("127.0.0.101")})->ToString(),
            "fd00::1");
  EXPECT_TRUE(ParseAddressPool({}).value().empty());
}

TEST(AddressPool, RejectsBadEntries) {
  for (const char* bad : {"127.0.0.150-127.0.0.100", "10.0.0.0/33", "fd00::/129", "10.0.0.0/x",
                          "1.2.3.4-fd00::1", "nope", "1.2.3.4-", "", "1.2.3.4,,1.2.3.5"}) {
    Result<AddressPool> r = ParseAddressPool({bad});
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("invalid load balancer pool entry"), std::string::npos)
          << r.error().message;
    }
  }
  Result<AddressPool> overlap = ParseAddressPool({"10.0.0.0/28", "10.0.0.10-10.0.0.20"});
  ASSERT_FALSE(overlap.ok());
  EXPECT_NE(overlap.error().message.find("overlaps"), std::string::npos);
  // Adjacent is fine.
  EXPECT_TRUE(ParseAddressPool({"10.0.0.1-10.0.0.5", "10.0.0.6-10.0.0.9"}).ok());
}

}  // namespace
}  // namespace waygate::gateways

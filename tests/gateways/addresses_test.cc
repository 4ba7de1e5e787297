#include "gateways/addresses.h"

#include <gtest/gtest.h>

namespace waygate::gateways {
namespace {

AddressPool Pool(std::vector<std::string> entries) { return ParseAddressPool(entries).value(); }

TEST(AllocateAddress, FirstFreeInPoolOrder) {
  AddressPool pool = Pool({"127.0.0.100-127.0.0.102"});
  AddressChoice c = AllocateAddress("", "", pool, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.address, "127.0.0.100");
  c = AllocateAddress("", "", pool, {{"127.0.0.100", "kubesphere-controls-system/a"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.address, "127.0.0.101");
}

TEST(AllocateAddress, KeepsTheAddressItHolds) {
  AddressPool pool = Pool({"127.0.0.100-127.0.0.102"});
  AddressChoice c = AllocateAddress("", "127.0.0.102", pool, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.address, "127.0.0.102");
  // Not any more once another gateway has it, or the pool no longer covers it.
  c = AllocateAddress("", "127.0.0.102", pool, {{"127.0.0.102", "ns/other"}});
  EXPECT_EQ(c.address, "127.0.0.100");
  c = AllocateAddress("", "10.9.9.9", pool, {});
  EXPECT_EQ(c.address, "127.0.0.100");
}

TEST(AllocateAddress, RequestedAddress) {
  AddressPool pool = Pool({"127.0.0.100-127.0.0.150"});
  AddressChoice c = AllocateAddress("127.0.0.120", "127.0.0.100", pool, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.address, "127.0.0.120");  // a request wins over what it held

  c = AllocateAddress("127.0.0.120", "", pool,
                      {{"127.000.000.120", "kubesphere-controls-system/kubesphere-router-x"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.pending->reason, kReasonInUse);
  EXPECT_EQ(c.pending->message,
            "requested loadBalancerIP 127.0.0.120 is in use by Gateway "
            "kubesphere-controls-system/kubesphere-router-x");

  c = AllocateAddress("192.0.2.1", "", pool, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.pending->reason, kReasonNotInPool);
  EXPECT_EQ(c.pending->message,
            "requested loadBalancerIP 192.0.2.1 is not in the load balancer pool (--lb-pool "
            "127.0.0.100-127.0.0.150)");
  EXPECT_TRUE(c.address.empty());
}

TEST(AllocateAddress, ExhaustedAndMissingPoolsArePending) {
  AddressPool pool = Pool({"127.0.0.100-127.0.0.101"});
  AddressChoice c =
      AllocateAddress("", "", pool, {{"127.0.0.100", "ns/a"}, {"127.0.0.101", "ns/b"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.pending->reason, kReasonPoolExhausted);
  EXPECT_NE(c.pending->message.find("no free address in the load balancer pool (--lb-pool "
                                    "127.0.0.100-127.0.0.101)"),
            std::string::npos);
  c = AllocateAddress("", "", AddressPool(), {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.pending->reason, kReasonNoPool);
  // Garbage in the used map is ignored rather than fatal.
  c = AllocateAddress("", "", pool, {{"not-an-ip", "ns/a"}});
  EXPECT_EQ(c.address, "127.0.0.100");
}

TEST(AllocateAddress, Ipv6) {
  AddressPool pool = Pool({"fd00::10/127"});
  AddressChoice c = AllocateAddress("", "", pool, {{"FD00::10", "ns/a"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.address, "fd00::11");
}

}  // namespace
}  // namespace waygate::gateways

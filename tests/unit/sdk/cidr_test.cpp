// The one CIDR implementation, shared by the host's listener allow-lists and auth-ipallow.
#include "wharf/cpp/cidr.hpp"

#include <gtest/gtest.h>

using wharf::CidrBlock;
using wharf::CidrList;

TEST(Cidr, Ipv4Blocks) {
  auto list = CidrList::parse("10.0.0.0/8, 192.168.1.0/24, 127.0.0.1");
  EXPECT_TRUE(list.allows("10.1.2.3"));
  EXPECT_TRUE(list.allows("192.168.1.200"));
  EXPECT_FALSE(list.allows("192.168.2.1"));
  EXPECT_TRUE(list.allows("127.0.0.1"));
  EXPECT_FALSE(list.allows("127.0.0.2"));
  EXPECT_FALSE(list.allows("11.0.0.1"));
}

TEST(Cidr, OddPrefixesAndNormalisation) {
  auto b = CidrBlock::parse("172.16.5.4/12");
  EXPECT_EQ(b.str(), "172.16.0.0/12");
  EXPECT_TRUE(b.contains("172.31.255.255"));
  EXPECT_FALSE(b.contains("172.32.0.0"));
  EXPECT_TRUE(CidrBlock::parse("0.0.0.0/0").contains("8.8.8.8"));
}

TEST(Cidr, Ipv6AndMapped) {
  auto list = CidrList::parse("::1, fd00::/8, 10.0.0.0/8");
  EXPECT_TRUE(list.allows("::1"));
  EXPECT_TRUE(list.allows("fd12:3456::1"));
  EXPECT_FALSE(list.allows("fe80::1"));
  EXPECT_TRUE(list.allows("::ffff:10.9.8.7"));  // IPv4-mapped client
  EXPECT_FALSE(list.allows("::2"));
  EXPECT_FALSE(CidrBlock::parse("10.0.0.0/8").contains("::1"));
}

TEST(Cidr, EmptyListAllowsEveryone) { EXPECT_TRUE(CidrList().allows("203.0.113.9")); }

TEST(Cidr, Errors) {
  EXPECT_THROW(CidrBlock::parse("10.0.0.0/33"), std::invalid_argument);
  EXPECT_THROW(CidrBlock::parse("::/129"), std::invalid_argument);
  EXPECT_THROW(CidrBlock::parse("300.1.1.1"), std::invalid_argument);
  EXPECT_THROW(CidrBlock::parse("10.0.0.0/x"), std::invalid_argument);
  EXPECT_FALSE(CidrBlock::parse("10.0.0.0/8").contains("not-an-ip"));
  for (const char* s : {"", "10.0.0/8", "a.b.c.d", "10.0.0.0/", "1/x", "10.0.0.0/-1", "::/+8"})
    EXPECT_THROW(CidrBlock::parse(s), std::invalid_argument) << s;
}

TEST(Cidr, ZoneIdsAreIgnored) {
  EXPECT_TRUE(CidrBlock::parse("fe80::/10").contains("fe80::1%eth0"));
  EXPECT_EQ(CidrBlock::parse("fe80::1%lo/128").str(), "fe80::1/128");
  EXPECT_TRUE(CidrList::parse("::1").allows("::1%1"));
}

#include "cidr.hpp"

#include <gtest/gtest.h>

using wharf::auth::Cidr;

TEST(Cidr, Ipv4) {
  auto n = Cidr::parse("10.1.0.0/16");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->contains("10.1.200.3"));
  EXPECT_FALSE(n->contains("10.2.0.1"));
  EXPECT_TRUE(n->contains("::ffff:10.1.2.3"));  // IPv4-mapped
  EXPECT_FALSE(n->contains("::1"));
  EXPECT_TRUE(Cidr::parse("127.0.0.1")->contains("127.0.0.1"));
  EXPECT_FALSE(Cidr::parse("127.0.0.1")->contains("127.0.0.2"));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains("8.8.8.8"));
  EXPECT_TRUE(Cidr::parse("192.168.1.128/25")->contains("192.168.1.200"));
  EXPECT_FALSE(Cidr::parse("192.168.1.128/25")->contains("192.168.1.100"));
}

TEST(Cidr, Ipv6) {
  auto n = Cidr::parse("fd00::/8");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->contains("fd12::1"));
  EXPECT_FALSE(n->contains("fe80::1"));
  EXPECT_FALSE(n->contains("10.0.0.1"));
  EXPECT_TRUE(Cidr::parse("::1/128")->contains("::1"));
}

TEST(Cidr, Malformed) {
  for (const char* s : {"", "10.0.0.0/33", "::/129", "10.0.0/8", "a.b.c.d", "10.0.0.0/", "1/x"})
    EXPECT_FALSE(Cidr::parse(s)) << s;
}

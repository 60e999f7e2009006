#include "digest.hpp"

#include <gtest/gtest.h>

using namespace wharf::registry;

TEST(Digest, ParsesSupportedAlgorithms) {
  auto d = parseDigest("sha256:" + std::string(64, 'a'));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->str(), "sha256:" + std::string(64, 'a'));
  EXPECT_TRUE(parseDigest("sha512:" + std::string(128, '0')));
}

TEST(Digest, RejectsMalformed) {
  for (std::string s : {std::string("sha256:abc"), "sha256:" + std::string(64, 'A'),
                        "sha256:" + std::string(63, 'a') + "g", "md5:" + std::string(32, 'a'),
                        std::string("sha256"), "sha512:" + std::string(64, 'a'),
                        ":" + std::string(64, 'a'), "sha256:" + std::string(65, 'a')})
    EXPECT_FALSE(parseDigest(s)) << s;
}

TEST(Hasher, KnownVectors) {
  EXPECT_EQ(digestOf("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digestOf("abc").str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digestOf("abc", "sha512").hex.substr(0, 16), "ddaf35a193617aba");
}

TEST(Hasher, CopiesContinueIndependently) {
  Hasher h("sha256");
  h.update("ab");
  Hasher copy = h;
  h.update("c");
  copy.update("c");
  EXPECT_EQ(h.digest(), digestOf("abc"));
  EXPECT_EQ(copy.digest(), digestOf("abc"));
  EXPECT_EQ(h.digest(), h.digest());  // digest() does not end the hash
  h.update("d");
  EXPECT_EQ(h.digest(), digestOf("abcd"));
}

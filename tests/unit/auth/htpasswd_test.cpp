#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "basic_credentials.hpp"
#include "bcrypt.hpp"
#include "htpasswd_file.hpp"

using namespace wharf::auth;

TEST(Bcrypt, HashAndVerify) {
  std::string h = bcryptHash("secret", 4);
  EXPECT_EQ(h.substr(0, 7), "$2b$04$");
  EXPECT_TRUE(bcryptVerify("secret", h));
  EXPECT_FALSE(bcryptVerify("Secret", h));
  EXPECT_FALSE(bcryptVerify("secret", "plain"));
  EXPECT_EQ(*bcryptCost(h), 4);
}

TEST(Bcrypt, ApacheHtpasswdFile) {
  // A file made by `htpasswd -B` when apache2-utils is installed; otherwise a $2y$ hash made here.
  std::string path = ::testing::TempDir() + "/wharf-htpasswd-test";
  std::string cmd = "htpasswd -cbB -C 4 " + path + " apache pw >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::string h = bcryptHash("pw", 4);
    h[2] = 'y';
    std::ofstream(path) << "apache:" << h << "\n";
  }
  HtpasswdFile f = HtpasswdFile::load(path);
  ASSERT_EQ(f.users.count("apache"), 1u);
  EXPECT_TRUE(bcryptVerify("pw", f.users["apache"]));
  EXPECT_FALSE(bcryptVerify("nope", f.users["apache"]));
  EXPECT_EQ(f.cost, 4);
  std::remove(path.c_str());
}

TEST(HtpasswdFile, SkipsNonBcryptLines) {
  std::string h = bcryptHash("x", 4);
  auto f = HtpasswdFile::parse("# comment\nmd5:$apr1$abc$def\nnocolon\nok:" + h + "\r\n");
  EXPECT_EQ(f.users.size(), 1u);
  EXPECT_EQ(f.users["ok"], h);
  EXPECT_EQ(f.warnings.size(), 2u);
}

TEST(BasicCredentials, Parse) {
  auto c = parseBasicAuthorization("Basic YWxpY2U6cGE6c3M=");  // alice:pa:ss
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "pa:ss");
  EXPECT_TRUE(parseBasicAuthorization("basic YWxpY2U6"));
  EXPECT_FALSE(parseBasicAuthorization("Bearer abc"));
  EXPECT_FALSE(parseBasicAuthorization("Basic !!!"));
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxpY2U="));  // no colon
}

TEST(HtpasswdFile, TheDummyCostIsTheHighestInTheFile) {
  // An unknown user is checked against a dummy hash of this cost: with the first user's cost (4),
  // a cost-6 user with a wrong password took longer than an unknown one.
  auto f = HtpasswdFile::parse("low:" + bcryptHash("a", 4) + "\nhigh:" + bcryptHash("b", 6) +
                               "\nmid:" + bcryptHash("c", 5) + "\n");
  EXPECT_EQ(f.cost, 6);
}

TEST(HtpasswdFile, AFileWithLinesButNoValidOneIsRefused) {
  std::string path = ::testing::TempDir() + "/wharf-htpasswd-invalid";
  std::ofstream(path) << "alice:plain\nbob\n";
  EXPECT_THROW(HtpasswdFile::load(path), std::runtime_error);
  std::ofstream(path) << "# only a comment\n";  // intentionally empty: no users
  EXPECT_TRUE(HtpasswdFile::load(path).users.empty());
  std::remove(path.c_str());
}

TEST(BasicCredentials, ANulInThePasswordIsRefused) {
  // "alice:pw\0junk" verified as "pw": crypt(3) stops at the NUL.
  const std::string h = bcryptHash("pw", 4);
  EXPECT_FALSE(parseBasicAuthorization("Basic YWxpY2U6cHcAanVuaw=="));
  EXPECT_FALSE(bcryptVerify(std::string("pw\0junk", 7), h));
  EXPECT_TRUE(bcryptVerify("pw", h));
}

#include "negotiation.hpp"

#include <gtest/gtest.h>

#include "media_types.hpp"

using namespace wharf::registry;

TEST(Negotiation, ParseAccept) {
  auto v = parseAccept(" application/a+json; q=0.5 ,application/b ,, ");
  EXPECT_EQ(v, (std::vector<std::string>{"application/a+json", "application/b"}));
}

TEST(Negotiation, AcceptsStoredTypeOrAnyWhenNoManifestTypeNamed) {
  std::string oci(media::kOciManifest), docker(media::kDockerManifest);
  EXPECT_TRUE(acceptsManifestType({}, oci));
  EXPECT_TRUE(acceptsManifestType({"*/*"}, oci));
  EXPECT_TRUE(acceptsManifestType({docker, oci}, oci));
  EXPECT_FALSE(acceptsManifestType({docker}, oci));
}

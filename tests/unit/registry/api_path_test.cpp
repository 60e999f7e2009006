#include "api_path.hpp"

#include <gtest/gtest.h>

using namespace wharf::registry;

TEST(ApiPath, Endpoints) {
  EXPECT_EQ(parseApiPath("/v2/").endpoint, Endpoint::Base);
  EXPECT_EQ(parseApiPath("/v2/_catalog").endpoint, Endpoint::Catalog);
  auto p = parseApiPath("/v2/a/b/tags/list");
  EXPECT_EQ(p.endpoint, Endpoint::TagsList);
  EXPECT_EQ(p.name, "a/b");
  p = parseApiPath("/v2/a/b/manifests/latest");
  EXPECT_EQ(p.endpoint, Endpoint::Manifest);
  EXPECT_EQ(p.name, "a/b");
  EXPECT_EQ(p.reference, "latest");
  p = parseApiPath("/v2/x/blobs/sha256:abc");
  EXPECT_EQ(p.endpoint, Endpoint::Blob);
  EXPECT_EQ(p.reference, "sha256:abc");
  EXPECT_EQ(parseApiPath("/v2/x/blobs/uploads/").endpoint, Endpoint::UploadStart);
  EXPECT_EQ(parseApiPath("/v2/x/blobs/uploads").endpoint, Endpoint::UploadStart);
  p = parseApiPath("/v2/x/blobs/uploads/123-abc");
  EXPECT_EQ(p.endpoint, Endpoint::Upload);
  EXPECT_EQ(p.reference, "123-abc");
  p = parseApiPath("/v2/x/referrers/sha256:abc");
  EXPECT_EQ(p.endpoint, Endpoint::Referrers);
}

TEST(ApiPath, NamesContainingEndpointWords) {
  auto p = parseApiPath("/v2/blobs/manifests/blobs/sha256:abc");
  EXPECT_EQ(p.endpoint, Endpoint::Blob);
  EXPECT_EQ(p.name, "blobs/manifests");
  p = parseApiPath("/v2/tags/list/tags/list");
  EXPECT_EQ(p.endpoint, Endpoint::TagsList);
  EXPECT_EQ(p.name, "tags/list");
}

TEST(ApiPath, Unknown) {
  for (const char* s : {"/v3/", "/v2/x", "/v2/x/unknown/y", "/v2/x/manifests/", "/v2/manifests/x"})
    EXPECT_EQ(parseApiPath(s).endpoint, Endpoint::Unknown) << s;
}

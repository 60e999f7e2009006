#include "manifest_parser.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"
#include "media_types.hpp"

using namespace wharf::registry;

namespace {

std::string hex(char c) { return std::string(64, c); }

std::string desc(const std::string& media, char c, int size, const std::string& extra = "") {
  return R"({"mediaType":")" + media + R"(","digest":"sha256:)" + hex(c) + R"(","size":)" +
         std::to_string(size) + extra + "}";
}

ErrorCode codeOf(const std::string& body, const std::string& ct = "") {
  try {
    parseManifest(body, ct);
  } catch (const RegistryError& e) {
    return e.code();
  }
  return ErrorCode::Unknown;
}

}  // namespace

TEST(ManifestParser, OciImageWithSubjectAndArtifactType) {
  std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("artifactType":"application/x-sig","config":)" +
      desc("application/vnd.oci.empty.v1+json", 'a', 2) + R"(,"layers":[)" +
      desc("application/octet-stream", 'b', 10, R"(,"urls":["http://x"])") + R"(],"subject":)" +
      desc(std::string(media::kOciManifest), 'c', 100) + R"(,"annotations":{"k":"v"}})";
  Manifest m = parseManifest(body, "");
  EXPECT_EQ(m.mediaType, media::kOciManifest);
  EXPECT_FALSE(m.isIndex);
  ASSERT_TRUE(m.config);
  EXPECT_EQ(m.config->digest.hex, hex('a'));
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_TRUE(m.layers[0].foreign);
  ASSERT_TRUE(m.subject);
  EXPECT_EQ(m.subject->digest.hex, hex('c'));
  EXPECT_EQ(m.effectiveArtifactType(), "application/x-sig");
  ASSERT_TRUE(m.annotations);
  EXPECT_EQ(wharf::toJsonText(*m.annotations), R"({"k":"v"})");
}

TEST(ManifestParser, ArtifactTypeFallsBackToConfigMediaType) {
  std::string body =
      R"({"schemaVersion":2,"config":)" + desc("application/x-config", 'a', 2) + R"(,"layers":[]})";
  Manifest m = parseManifest(body, std::string(media::kOciManifest));
  EXPECT_EQ(m.effectiveArtifactType(), "application/x-config");
}

TEST(ManifestParser, DockerListWithPlatforms) {
  std::string body =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[)" +
      desc(std::string(media::kDockerManifest), 'a', 5,
           R"(,"platform":{"os":"linux","architecture":"arm64","variant":"v8"})") +
      "]}";
  Manifest m = parseManifest(body, "");
  EXPECT_TRUE(m.isIndex);
  ASSERT_EQ(m.manifests.size(), 1u);
  EXPECT_EQ(m.manifests[0].architecture, "arm64");
  EXPECT_EQ(m.manifests[0].variant, "v8");
}

TEST(ManifestParser, MediaTypeFromContentTypeOrShape) {
  std::string index = R"({"schemaVersion":2,"manifests":[]})";
  EXPECT_EQ(parseManifest(index, "").mediaType, media::kOciIndex);
  EXPECT_EQ(
      parseManifest(index, std::string(media::kDockerManifestList) + "; charset=utf-8").mediaType,
      media::kDockerManifestList);
}

TEST(ManifestParser, Invalid) {
  std::string oci(media::kOciManifest);
  EXPECT_EQ(codeOf("nope"), ErrorCode::ManifestInvalid);
  EXPECT_EQ(codeOf("[]"), ErrorCode::ManifestInvalid);
  EXPECT_EQ(codeOf(R"({"schemaVersion":1,"name":"x"})"), ErrorCode::ManifestInvalid);
  EXPECT_EQ(codeOf(R"({"schemaVersion":2,"mediaType":"text/plain","config":{}})"),
            ErrorCode::ManifestInvalid);
  EXPECT_EQ(codeOf(R"({"schemaVersion":2,"mediaType":")" + oci + R"("})"),
            ErrorCode::ManifestInvalid);  // no config
  EXPECT_EQ(codeOf(R"({"schemaVersion":2,"config":{"digest":"sha256:1","size":1}})", oci),
            ErrorCode::ManifestInvalid);  // bad digest
  EXPECT_EQ(codeOf(R"({"schemaVersion":2,"config":)" + desc("x", 'a', -1) + "}", oci),
            ErrorCode::ManifestInvalid);  // negative size
  EXPECT_EQ(codeOf(R"({"schemaVersion":2,"mediaType":")" + oci + R"(","config":)" +
                       desc("x", 'a', 1) + "}",
                   std::string(media::kOciIndex)),
            ErrorCode::ManifestInvalid);  // mediaType contradicts Content-Type
  EXPECT_EQ(codeOf(R"({"schemaVersion":2,"mediaType":")" + std::string(media::kDockerManifest) +
                   R"(","config":)" + desc("x", 'a', 1) + "}"),
            ErrorCode::ManifestInvalid);  // schema2 needs layers
}

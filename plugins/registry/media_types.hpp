// Manifest media types the registry understands.
#pragma once

#include <string_view>

namespace wharf::registry::media {

inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kDockerSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";

inline bool isIndexType(std::string_view t) { return t == kDockerManifestList || t == kOciIndex; }
inline bool isImageType(std::string_view t) { return t == kDockerManifest || t == kOciManifest; }
inline bool isManifestType(std::string_view t) { return isIndexType(t) || isImageType(t); }

}  // namespace wharf::registry::media

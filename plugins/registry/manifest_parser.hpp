// Parsing and validation of pushed manifests: Docker schema2 and manifest list, OCI image
// manifest and index (with artifactType and subject). Only what the registry needs is kept: the
// media type, the references to check and to mark during GC, and the referrers data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "digest.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::registry {

struct Descriptor {
  std::string mediaType;
  Digest digest;
  int64_t size = 0;
  std::string artifactType;
  std::optional<Json> annotations;        // the "annotations" object, members as written
  bool foreign = false;                   // has "urls": the blob lives elsewhere, not checked
  std::string os, architecture, variant;  // index entries: "platform"
};

struct Manifest {
  std::string mediaType;
  bool isIndex = false;
  std::optional<Descriptor> config;
  std::vector<Descriptor> layers;
  std::vector<Descriptor> manifests;  // index entries
  std::optional<Descriptor> subject;
  std::string artifactType;
  std::optional<Json> annotations;

  // The artifact type a referrers listing shows: artifactType, else config.mediaType.
  std::string effectiveArtifactType() const;
};

// Parses `body`, whose media type comes from its "mediaType" field or else `contentType`.
// Throws RegistryError(MANIFEST_INVALID) with a detail when the manifest is malformed, of an
// unsupported type, or when its "mediaType" contradicts a manifest Content-Type.
Manifest parseManifest(std::string_view body, std::string_view contentType);

}  // namespace wharf::registry

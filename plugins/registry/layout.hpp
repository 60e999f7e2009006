// Storage paths of distribution's filesystem layout (docker/registry/v2/...), so that a tree
// written by the official registry is served unchanged and the reverse.
#pragma once

#include <cstdint>
#include <string>

#include "digest.hpp"

namespace wharf::registry::layout {

inline const std::string kRoot = "docker/registry/v2";

std::string blobsDir();                 // .../blobs
std::string blobDir(const Digest& d);   // .../blobs/<alg>/<2 hex>/<hex>
std::string blobData(const Digest& d);  // .../blobs/<alg>/<2 hex>/<hex>/data
std::string repositoriesDir();          // .../repositories
std::string repositoryDir(const std::string& name);
std::string manifestsDir(const std::string& name);  // <repo>/_manifests
std::string layerLink(const std::string& name, const Digest& d);
std::string layersDir(const std::string& name, const std::string& algorithm);
std::string revisionLink(const std::string& name, const Digest& d);
std::string revisionsDir(const std::string& name, const std::string& algorithm);
std::string tagsDir(const std::string& name);
std::string tagDir(const std::string& name, const std::string& tag);
std::string tagCurrentLink(const std::string& name, const std::string& tag);
std::string tagIndexLink(const std::string& name, const std::string& tag, const Digest& d);
std::string tagIndexDir(const std::string& name, const std::string& tag,
                        const std::string& algorithm);
std::string uploadsDir(const std::string& name);
std::string uploadDir(const std::string& name, const std::string& id);
std::string uploadData(const std::string& name, const std::string& id);
std::string uploadPartsDir(const std::string& name, const std::string& id);
std::string uploadPart(const std::string& name, const std::string& id, uint64_t offset);
std::string uploadStartedAt(const std::string& name, const std::string& id);

}  // namespace wharf::registry::layout

#include "layout.hpp"

#include <cstdio>

namespace wharf::registry::layout {

std::string blobsDir() { return kRoot + "/blobs"; }
std::string blobDir(const Digest& d) {
  return blobsDir() + "/" + d.algorithm + "/" + d.hex.substr(0, 2) + "/" + d.hex;
}
std::string blobData(const Digest& d) { return blobDir(d) + "/data"; }
std::string repositoriesDir() { return kRoot + "/repositories"; }
std::string repositoryDir(const std::string& name) { return repositoriesDir() + "/" + name; }
std::string manifestsDir(const std::string& name) { return repositoryDir(name) + "/_manifests"; }
std::string layersDir(const std::string& name, const std::string& algorithm) {
  return repositoryDir(name) + "/_layers/" + algorithm;
}
std::string layerLink(const std::string& name, const Digest& d) {
  return layersDir(name, d.algorithm) + "/" + d.hex + "/link";
}
std::string revisionsDir(const std::string& name, const std::string& algorithm) {
  return manifestsDir(name) + "/revisions/" + algorithm;
}
std::string revisionLink(const std::string& name, const Digest& d) {
  return revisionsDir(name, d.algorithm) + "/" + d.hex + "/link";
}
std::string tagsDir(const std::string& name) { return manifestsDir(name) + "/tags"; }
std::string tagDir(const std::string& name, const std::string& tag) {
  return tagsDir(name) + "/" + tag;
}
std::string tagCurrentLink(const std::string& name, const std::string& tag) {
  return tagDir(name, tag) + "/current/link";
}
std::string tagIndexDir(const std::string& name, const std::string& tag,
                        const std::string& algorithm) {
  return tagDir(name, tag) + "/index/" + algorithm;
}
std::string tagIndexLink(const std::string& name, const std::string& tag, const Digest& d) {
  return tagIndexDir(name, tag, d.algorithm) + "/" + d.hex + "/link";
}
std::string uploadsDir(const std::string& name) { return repositoryDir(name) + "/_uploads"; }
std::string uploadDir(const std::string& name, const std::string& id) {
  return uploadsDir(name) + "/" + id;
}
std::string uploadData(const std::string& name, const std::string& id) {
  return uploadDir(name, id) + "/data";
}
std::string uploadPartsDir(const std::string& name, const std::string& id) {
  return uploadDir(name, id) + "/parts";
}
std::string uploadPart(const std::string& name, const std::string& id, uint64_t offset) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(offset));
  return uploadPartsDir(name, id) + "/" + buf;
}
std::string uploadStartedAt(const std::string& name, const std::string& id) {
  return uploadDir(name, id) + "/startedat";
}

}  // namespace wharf::registry::layout

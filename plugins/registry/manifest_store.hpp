// ManifestStore: manifests of a repository in distribution's layout. The bytes are a blob
// (blobs/<alg>/../data), `_manifests/revisions/<alg>/<hex>/link` says the repository has it, and
// `_manifests/tags/<tag>/{current,index/<alg>/<hex>}/link` name tags. Parsed manifests are cached
// by digest (content never changes under a digest).
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "digest.hpp"
#include "manifest_parser.hpp"
#include "store.hpp"

namespace wharf::registry {

class ManifestStore {
 public:
  ManifestStore(const Store& store, size_t cache_entries);

  // The digest a tag or digest reference names in `name`; nullopt when unknown there.
  std::optional<Digest> resolve(const std::string& name, const std::string& reference) const;
  bool hasRevision(const std::string& name, const Digest& d) const;
  std::optional<std::string> body(const Digest& d) const;
  // The parsed manifest stored under `d` (cached). A stored manifest this registry cannot parse
  // (schema1 written by another registry) yields a Manifest with only its media type. nullptr
  // when the blob is absent.
  std::shared_ptr<const Manifest> info(const Digest& d) const;
  std::shared_ptr<const Manifest> info(const Digest& d, const std::string& body) const;
  void remember(const Digest& d, Manifest m) const;

  // Stores the bytes, the revision link and, when `tag` is not empty, the tag (current link last).
  void put(const std::string& name, const std::string& tag, const Digest& d,
           const std::string& body) const;
  // Removes the revision and every tag pointing to it. False when the repository lacks it.
  bool removeRevision(const std::string& name, const Digest& d) const;
  bool removeTag(const std::string& name, const std::string& tag) const;
  std::vector<std::string> tags(const std::string& name) const;
  // Digests of every revision in `name`.
  std::vector<Digest> revisions(const std::string& name) const;

 private:
  const Store& store_;
  size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::list<std::string> order_;  // most recent first
  mutable std::unordered_map<
      std::string, std::pair<std::shared_ptr<const Manifest>, std::list<std::string>::iterator>>
      cache_;
};

}  // namespace wharf::registry

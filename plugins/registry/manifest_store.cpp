#include "manifest_store.hpp"

#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "layout.hpp"
#include "media_types.hpp"
#include "names.hpp"

namespace wharf::registry {

namespace {

// Best effort media type of a manifest this registry does not parse fully.
std::string guessMediaType(const std::string& body) {
  const auto obj = nlohmann::json::parse(body, nullptr, false);
  if (!obj.is_object()) return "application/json";
  if (auto m = obj.find("mediaType"); m != obj.end() && m->is_string())
    return m->get<std::string>();
  if (obj.contains("signatures")) return std::string(media::kDockerSchema1Signed);
  if (auto v = obj.find("schemaVersion"); v != obj.end() && v->is_number_integer() && *v == 1)
    return std::string(media::kDockerSchema1);
  return "application/json";
}

}  // namespace

ManifestStore::ManifestStore(const Store& store, size_t cache_entries)
    : store_(store), capacity_(cache_entries ? cache_entries : 1) {}

std::optional<Digest> ManifestStore::resolve(const std::string& name,
                                             const std::string& reference) const {
  if (auto d = parseDigest(reference)) {
    if (!hasRevision(name, *d)) return std::nullopt;
    return d;
  }
  if (!isValidTag(reference)) return std::nullopt;
  return store_.readLink(layout::tagCurrentLink(name, reference));
}

bool ManifestStore::hasRevision(const std::string& name, const Digest& d) const {
  return store_.exists(layout::revisionLink(name, d));
}

std::optional<std::string> ManifestStore::body(const Digest& d) const {
  return store_.get(layout::blobData(d));
}

void ManifestStore::remember(const Digest& d, Manifest m) const {
  auto value = std::make_shared<const Manifest>(std::move(m));
  std::string key = d.str();
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(key); it != cache_.end()) {
    order_.erase(it->second.second);
    cache_.erase(it);
  }
  order_.push_front(key);
  cache_[key] = {value, order_.begin()};
  while (cache_.size() > capacity_) {
    cache_.erase(order_.back());
    order_.pop_back();
  }
}

std::shared_ptr<const Manifest> ManifestStore::info(const Digest& d,
                                                    const std::string& body) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(d.str()); it != cache_.end()) {
      order_.splice(order_.begin(), order_, it->second.second);
      return it->second.first;
    }
  }
  Manifest m;
  try {
    m = parseManifest(body, "");
  } catch (const RegistryError&) {
    m = Manifest{};
    m.mediaType = guessMediaType(body);
  }
  remember(d, m);
  std::lock_guard lock(mutex_);
  return cache_.count(d.str()) ? cache_[d.str()].first : std::make_shared<const Manifest>(m);
}

std::shared_ptr<const Manifest> ManifestStore::info(const Digest& d) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(d.str()); it != cache_.end()) return it->second.first;
  }
  auto b = body(d);
  if (!b) return nullptr;
  return info(d, *b);
}

void ManifestStore::put(const std::string& name, const std::string& tag, const Digest& d,
                        const std::string& body) const {
  std::string data = layout::blobData(d);
  if (auto st = store_.stat(data); !st || st->size != body.size()) store_.put(data, body);
  store_.writeLink(layout::revisionLink(name, d), d);
  if (tag.empty()) return;
  store_.writeLink(layout::tagIndexLink(name, tag, d), d);
  store_.writeLink(layout::tagCurrentLink(name, tag), d);
}

bool ManifestStore::removeRevision(const std::string& name, const Digest& d) const {
  std::string link = layout::revisionLink(name, d);
  if (!store_.exists(link)) return false;
  for (auto& tag : tags(name)) {
    auto current = store_.readLink(layout::tagCurrentLink(name, tag));
    if (current && *current == d) {
      store_.remove(layout::tagDir(name, tag));
      continue;
    }
    std::string indexLink = layout::tagIndexLink(name, tag, d);
    if (store_.exists(indexLink)) store_.remove(indexLink.substr(0, indexLink.size() - 5));
  }
  store_.remove(link.substr(0, link.size() - 5));  // the <hex> directory
  return true;
}

bool ManifestStore::removeTag(const std::string& name, const std::string& tag) const {
  if (!store_.exists(layout::tagCurrentLink(name, tag))) return false;
  return store_.remove(layout::tagDir(name, tag));
}

std::vector<std::string> ManifestStore::tags(const std::string& name) const {
  return store_.listNames(layout::tagsDir(name));
}

std::vector<Digest> ManifestStore::revisions(const std::string& name) const {
  std::vector<Digest> out;
  for (const char* alg : {"sha256", "sha512"})
    for (auto& hex : store_.listNames(layout::revisionsDir(name, alg)))
      if (auto d = parseDigest(std::string(alg) + ":" + hex)) out.push_back(*d);
  return out;
}

}  // namespace wharf::registry

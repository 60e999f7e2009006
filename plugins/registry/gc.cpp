#include "gc.hpp"

#include <chrono>
#include <mutex>
#include <set>
#include <unordered_set>

#include "layout.hpp"
#include "repositories.hpp"

namespace wharf::registry {

namespace {

class Marker {
 public:
  Marker(const ManifestStore& manifests, std::unordered_set<std::string>& marked)
      : manifests_(manifests), marked_(marked) {}

  // Marks manifest `d` of `repo`, its blob references and its children.
  void manifest(const Digest& d, uint64_t& count) {
    if (!marked_.insert(d.str()).second) return;
    ++count;
    auto m = manifests_.info(d);
    if (!m) return;
    if (m->config) marked_.insert(m->config->digest.str());
    for (auto& l : m->layers) marked_.insert(l.digest.str());
    for (auto& child : m->manifests) manifest(child.digest, count);
  }

 private:
  const ManifestStore& manifests_;
  std::unordered_set<std::string>& marked_;
};

// The manifests of `repo` to keep: all, or (deleteUntagged) those a tag reaches plus their
// children and, repeatedly, the referrers of kept ones.
std::set<Digest> rootsOf(const Store& store, const ManifestStore& manifests,
                         const std::string& repo, const std::vector<Digest>& revisions,
                         bool deleteUntagged) {
  std::set<Digest> keep;
  if (!deleteUntagged) return {revisions.begin(), revisions.end()};
  std::function<void(const Digest&)> add = [&](const Digest& d) {
    if (!keep.insert(d).second) return;
    if (auto m = manifests.info(d))
      for (auto& child : m->manifests) add(child.digest);
  };
  for (auto& tag : manifests.tags(repo))
    if (auto d = store.readLink(layout::tagCurrentLink(repo, tag))) add(*d);
  for (bool grew = true; grew;) {
    grew = false;
    for (auto& d : revisions) {
      if (keep.count(d)) continue;
      auto m = manifests.info(d);
      if (m && m->subject && keep.count(m->subject->digest)) {
        add(d);
        grew = true;
      }
    }
  }
  return keep;
}

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

GcReport collectGarbage(const Store& store, const ManifestStore& manifests,
                        const GcOptions& options, const GcOutput& out) {
  GcReport report;
  std::unordered_set<std::string> marked;
  Marker marker(manifests, marked);
  const std::vector<std::string> repos = listRepositories(store, true);

  // Mark.
  for (auto& repo : repos) {
    ++report.repositories;
    std::vector<Digest> revisions = manifests.revisions(repo);
    std::set<Digest> keep = rootsOf(store, manifests, repo, revisions, options.deleteUntagged);
    for (auto& d : revisions) {
      if (keep.count(d)) {
        marker.manifest(d, report.manifestsMarked);
        continue;
      }
      out(repo + ": manifest " + d.str() + " is untagged" +
          (options.dryRun ? ", would be deleted" : ", deleting"));
      ++report.manifestsDeleted;
      if (!options.dryRun) manifests.removeRevision(repo, d);
    }
  }
  report.blobsMarked = marked.size();

  // Sweep.
  std::unique_lock<std::shared_mutex> lock;
  if (options.lock) lock = std::unique_lock(*options.lock);
  const int64_t graceNs = static_cast<int64_t>(options.grace.count()) * 1000000000;
  std::unordered_set<std::string> deleted;
  for (const char* alg : {"sha256", "sha512"}) {
    std::string algDir = layout::blobsDir() + "/" + alg;
    for (auto& prefix : store.listNames(algDir)) {
      for (auto& hex : store.listNames(algDir + "/" + prefix)) {
        auto d = parseDigest(std::string(alg) + ":" + hex);
        if (!d || marked.count(d->str())) continue;
        auto st = store.stat(layout::blobData(*d));
        uint64_t size = st ? st->size : 0;
        if ((graceNs > 0 && st && nowNs() - st->mtime_ns < graceNs) ||
            (options.recent && options.recent->recent(d->str()))) {
          ++report.blobsSpared;
          continue;
        }
        out("blob " + d->str() + " (" + std::to_string(size) + " bytes) is unreferenced" +
            (options.dryRun ? ", would be deleted" : ", deleting"));
        ++report.blobsDeleted;
        report.bytesFreed += size;
        deleted.insert(d->str());
        if (!options.dryRun) store.remove(layout::blobDir(*d));
      }
    }
  }
  // Layer links to deleted blobs would only answer BLOB_UNKNOWN later: remove them too.
  if (!options.dryRun && !deleted.empty()) {
    for (auto& repo : repos)
      for (const char* alg : {"sha256", "sha512"})
        for (auto& hex : store.listNames(layout::layersDir(repo, alg)))
          if (deleted.count(std::string(alg) + ":" + hex))
            store.remove(layout::layersDir(repo, alg) + "/" + hex);
  }
  return report;
}

}  // namespace wharf::registry

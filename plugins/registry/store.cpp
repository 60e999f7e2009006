#include "store.hpp"

#include <algorithm>
#include <chrono>

namespace wharf::registry {

class Store::Timer {
 public:
  Timer(const Store& s, const char* action)
      : s_(s), action_(action), start_(std::chrono::steady_clock::now()) {}
  ~Timer() {
    if (!s_.metrics_) return;
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
    s_.metrics_->storageAction(s_.driver_, action_, d.count());
  }

 private:
  const Store& s_;
  const char* action_;
  std::chrono::steady_clock::time_point start_;
};

Store::Store(StorageClient client, RegistryMetrics* metrics, std::string driver)
    : client_(client), metrics_(metrics), driver_(std::move(driver)) {}

std::optional<StorageStat> Store::stat(const std::string& path) const {
  Timer t(*this, "Stat");
  return client_.find(path);
}

std::optional<std::string> Store::get(const std::string& path) const {
  Timer t(*this, "GetContent");
  return client_.get(path);
}

void Store::read(const std::string& path, uint64_t offset, uint64_t length,
                 const ReadSink& sink) const {
  Timer t(*this, "Reader");
  client_.read(path, offset, length, sink);
}

void Store::put(const std::string& path, std::string_view data) const {
  Timer t(*this, "PutContent");
  client_.put(path, data);
}

StorageClient::Writer Store::openWriter(const std::string& path) const {
  Timer t(*this, "Writer");
  return client_.openWriter(path);
}

std::vector<StorageEntry> Store::list(const std::string& dir) const {
  Timer t(*this, "List");
  return client_.listIfExists(dir);
}

std::vector<StorageListing> Store::listWithStats(const std::string& dir) const {
  Timer t(*this, "ListPage");
  return client_.listPageIfExists(dir);
}

std::vector<std::string> Store::listNames(const std::string& dir, bool dirs_only) const {
  std::vector<std::string> out;
  for (auto& e : list(dir))
    if (!dirs_only || e.is_dir) out.push_back(e.name);
  std::sort(out.begin(), out.end());
  return out;
}

void Store::move(const std::string& from, const std::string& to) const {
  Timer t(*this, "Move");
  client_.move(from, to);
}

bool Store::remove(const std::string& path) const {
  Timer t(*this, "Delete");
  return client_.removeIfExists(path);
}

std::optional<std::string> Store::localPath(const std::string& path) const {
  try {
    return client_.localPath(path);
  } catch (const Error& e) {  // deleted since it was stat'ed: the read that follows answers
    if (e.code() != WHARF_ERR_NOT_FOUND) throw;
    return std::nullopt;
  }
}

std::optional<Digest> Store::readLink(const std::string& path) const {
  auto text = get(path);
  if (!text) return std::nullopt;
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return parseDigest(*text);
}

void Store::writeLink(const std::string& path, const Digest& d) const { put(path, d.str()); }

}  // namespace wharf::registry

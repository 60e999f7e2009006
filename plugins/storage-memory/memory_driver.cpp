#include "memory_driver.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "memory_writer.hpp"

namespace wharf::memory {
namespace {

constexpr size_t kReadChunk = 1 << 20;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

[[noreturn]] void notFound(const std::string& path) {
  throw Error(WHARF_ERR_NOT_FOUND, "'" + path + "' not found");
}

}  // namespace

MemoryDriver::MemoryDriver(const Config& config, const Host& host)
    : host_(host),
      max_bytes_(static_cast<uint64_t>(std::max<int64_t>(0, config.integer("max_bytes")))) {}

MemoryDriver::~MemoryDriver() = default;

bool MemoryDriver::isDirLocked(const std::string& path) const {
  if (path.empty()) return true;
  std::string prefix = path + "/";
  auto it = objects_.lower_bound(prefix);
  return it != objects_.end() && startsWith(it->first, prefix);
}

void MemoryDriver::checkFileSlotLocked(const std::string& path) const {
  if (isDirLocked(path)) throw Error(WHARF_ERR_EXISTS, "'" + path + "' is a directory");
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    if (objects_.count(parent))
      throw Error(WHARF_ERR_EXISTS, "'" + parent + "' is a file, not a directory");
  }
}

StorageStat MemoryDriver::stat(const std::string& path) {
  validateStoragePath(path, /*allow_root=*/true);
  std::shared_lock lock(mu_);
  if (auto it = objects_.find(path); it != objects_.end())
    return StorageStat{it->second.data->size(), it->second.mtime_ns, false};
  if (isDirLocked(path)) return StorageStat{0, 0, true};
  notFound(path);
}

void MemoryDriver::read(const std::string& path, uint64_t offset, uint64_t length,
                        const ReadSink& sink) {
  validateStoragePath(path);
  Bytes data;
  {
    std::shared_lock lock(mu_);
    auto it = objects_.find(path);
    if (it == objects_.end()) {
      if (isDirLocked(path))
        throw Error(WHARF_ERR_INVALID_ARGUMENT, "'" + path + "' is a directory");
      notFound(path);
    }
    data = it->second.data;
  }
  // The snapshot stays valid (and unchanged) even if the object is replaced meanwhile.
  if (offset > data->size())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "offset " + std::to_string(offset) +
                                                " is past the end of '" + path + "' (" +
                                                std::to_string(data->size()) + " bytes)");
  uint64_t end = data->size() - offset < length ? data->size() : offset + length;
  for (uint64_t pos = offset; pos < end;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kReadChunk, end - pos));
    if (!sink(data->data() + pos, n)) return;
    pos += n;
  }
}

std::unique_ptr<StorageWriter> MemoryDriver::openWriter(const std::string& path) {
  validateStoragePath(path);
  return std::make_unique<MemoryWriter>(*this, path);
}

std::vector<StorageEntry> MemoryDriver::list(const std::string& dir) {
  validateStoragePath(dir, /*allow_root=*/true);
  std::string prefix = dir.empty() ? std::string() : dir + "/";
  std::vector<StorageEntry> out;
  std::shared_lock lock(mu_);
  if (!isDirLocked(dir)) notFound(dir);
  auto it = objects_.lower_bound(prefix);
  while (it != objects_.end() && startsWith(it->first, prefix)) {
    std::string rest = it->first.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      out.push_back({rest, false});
      ++it;
    } else {
      std::string name = rest.substr(0, slash);
      out.push_back({name, true});
      // '0' follows '/' in ASCII: skip every key below prefix + name + "/".
      it = objects_.lower_bound(prefix + name + "0");
    }
  }
  return out;
}

std::vector<StorageListing> MemoryDriver::listPage(const std::string& dir,
                                                   const std::string& start_after, uint64_t limit) {
  validateStoragePath(dir, /*allow_root=*/true);
  std::string prefix = dir.empty() ? std::string() : dir + "/";
  std::vector<StorageListing> out;
  std::shared_lock lock(mu_);
  if (!isDirLocked(dir)) notFound(dir);
  // Keys are sorted, and so are the names below one prefix, but a directory "a" (keys "a/...")
  // sorts after a sibling "a-b": collect, then sort by name.
  auto it = objects_.upper_bound(prefix + start_after);
  while (it != objects_.end() && startsWith(it->first, prefix)) {
    std::string rest = it->first.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      out.push_back({rest, StorageStat{it->second.data->size(), it->second.mtime_ns, false}});
      ++it;
    } else {
      std::string name = rest.substr(0, slash);
      if (name > start_after) out.push_back({name, StorageStat{0, 0, true}});
      it = objects_.lower_bound(prefix + name + "0");
    }
  }
  std::sort(out.begin(), out.end(),
            [](const StorageListing& a, const StorageListing& b) { return a.name < b.name; });
  if (limit && out.size() > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

void MemoryDriver::move(const std::string& from, const std::string& to) {
  validateStoragePath(from);
  validateStoragePath(to);
  if (startsWith(to, from + "/"))
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "cannot move '" + from + "' into itself ('" + to + "')");
  std::unique_lock lock(mu_);
  if (auto it = objects_.find(from); it != objects_.end()) {
    if (from == to) return;
    checkFileSlotLocked(to);
    MemoryObject obj = std::move(it->second);
    objects_.erase(it);
    auto [dst, inserted] = objects_.try_emplace(to);
    if (!inserted) release(dst->second.data->size());
    dst->second = std::move(obj);
    return;
  }
  if (!isDirLocked(from)) notFound(from);
  if (from == to) return;
  if (objects_.count(to) || isDirLocked(to))
    throw Error(WHARF_ERR_EXISTS, "cannot move directory '" + from + "': '" + to + "' exists");
  checkFileSlotLocked(to);
  std::string prefix = from + "/";
  auto it = objects_.lower_bound(prefix);
  while (it != objects_.end() && startsWith(it->first, prefix)) {
    auto node = objects_.extract(it++);
    node.key() = to + "/" + node.key().substr(prefix.size());
    objects_.insert(std::move(node));
  }
}

void MemoryDriver::remove(const std::string& path) {
  validateStoragePath(path);
  std::unique_lock lock(mu_);
  if (auto it = objects_.find(path); it != objects_.end()) {
    release(it->second.data->size());
    objects_.erase(it);
    return;
  }
  if (!isDirLocked(path)) notFound(path);
  std::string prefix = path + "/";
  auto it = objects_.lower_bound(prefix);
  while (it != objects_.end() && startsWith(it->first, prefix)) {
    release(it->second.data->size());
    it = objects_.erase(it);
  }
}

void MemoryDriver::reserve(uint64_t bytes) {
  uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (max_bytes_ != 0 && (bytes > max_bytes_ || used > max_bytes_ - bytes))
      throw Error(WHARF_ERR_NO_SPACE, "memory storage budget of " + std::to_string(max_bytes_) +
                                          " bytes exhausted (" + std::to_string(used) +
                                          " in use, " + std::to_string(bytes) + " requested)");
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
}

void MemoryDriver::release(uint64_t bytes) noexcept {
  used_.fetch_sub(bytes, std::memory_order_relaxed);
}

void MemoryDriver::install(const std::string& path, Bytes data) {
  int64_t mtime = nowNs();
  std::unique_lock lock(mu_);
  checkFileSlotLocked(path);
  auto [it, inserted] = objects_.try_emplace(path);
  if (!inserted) release(it->second.data->size());
  it->second = MemoryObject{std::move(data), mtime};
}

}  // namespace wharf::memory

// example_kv.cpp: a complete Wharf storage plugin, written to be read as a tutorial.
//
// The plugin "example-kv" keeps every object as one file in a single flat directory (the INI key
// `dir`). The file name is the object's path, percent-encoded, so "docker/registry/v2/x" is the
// file "docker%2Fregistry%2Fv2%2Fx". Directories are not stored at all: like in an object store,
// they are implied by the paths below them.
//
// A storage plugin is three things:
//   1. a class derived from wharf::StorageDriver, built from (const wharf::Config&,
//      const wharf::Host&), that implements stat/read/openWriter/list/move/remove;
//   2. a wharf::StorageWriter for pending writes (nothing is visible until commit());
//   3. one WHARF_STORAGE_PLUGIN(...) line naming the class, the module and its INI keys.
// The SDK's C++ helpers turn the class into the C ABI that wharfd loads. Errors are reported by
// throwing wharf::Error(status, message); the SDK converts them at the boundary, so exceptions
// never cross into the host.
//
// Limits of this example (fine for a tutorial, not for a registry with millions of blobs):
//   - list, and the "is this a directory?" checks, scan the whole directory: O(number of objects);
//   - moving or removing a directory renames or deletes its objects one by one (a crash half way
//     leaves half of them moved), while single objects are atomic (rename(2));
//   - an encoded path must fit one file name (255 bytes on most file systems);
//   - temp files of writers that were never committed because the process died stay behind as
//     hidden ".tmp-*" files: they are never listed, and may be deleted while wharfd is stopped.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "wharf/cpp/storage.hpp"  // StorageDriver, StorageWriter, WHARF_STORAGE_PLUGIN

namespace example {

using wharf::Error;

// ---- step 1: the INI keys -----------------------------------------------------------------------
// The host checks every key of [plugin.<instance>] against this list before create() runs: an
// unknown key or a missing required one stops wharfd with a message. A DIR value is created by
// the host when missing, so the constructor may assume it exists.
const wharf_config_key kKeys[] = {
    {"dir", WHARF_KEY_DIR, WHARF_KEY_REQUIRED, static_cast<wharf_plugin_kind>(0), nullptr, nullptr,
     "directory holding one file per object"},
};

// ---- helpers
// --------------------------------------------------------------------------------------

// Letters, digits, '-' and '_' stay; every other byte becomes %XX. An encoded name therefore never
// starts with '.', which leaves names starting with '.' free for our temp files.
std::string encode(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string decode(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size()) {
      out += static_cast<char>(std::stoi(name.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += name[i];
    }
  }
  return out;
}

// Turns an errno into the matching wharf status; the message names the operation, the file and
// the system's explanation, which is what an operator needs in the log.
[[noreturn]] void throwErrno(int err, const std::string& what, const std::string& file) {
  wharf_status code = WHARF_ERR_IO;
  if (err == ENOENT) code = WHARF_ERR_NOT_FOUND;
  if (err == ENOSPC || err == EDQUOT) code = WHARF_ERR_NO_SPACE;
  if (err == EACCES || err == EPERM) code = WHARF_ERR_PERMISSION;
  throw Error(code, what + " '" + file + "': " + std::system_category().message(err));
}

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// True when `path` is `dir` itself or lies below it ("a/b" is below "a", "ab" is not).
bool isBelow(const std::string& path, const std::string& dir) {
  return dir.empty() || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

class FlatDirStore;

// ---- step 2: the writer
// --------------------------------------------------------------------------- A writer fills a
// hidden temp file in the same directory; commit() renames it over the object's file. rename(2) is
// atomic, so a reader sees the old content or the new one, never a mix, and a writer that is
// cancelled (destroyed without commit) just deletes its temp file.
class FlatWriter : public wharf::StorageWriter {
 public:
  FlatWriter(FlatDirStore& store, std::string path);
  ~FlatWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }

  void write(const void* data, size_t size) override {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = ::write(fd_, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throwErrno(errno, "write", temp_);
      p += n;
      size -= static_cast<size_t>(n);
      written_ += static_cast<uint64_t>(n);
    }
  }

  uint64_t written() const override { return written_; }

  void commit() override;

 private:
  FlatDirStore& store_;
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// ---- step 3: the driver
// --------------------------------------------------------------------------- The host may call
// every method from many threads at once. Reads need no lock (a file is never modified in place,
// only replaced by rename); changes to the set of objects take `mu_` so that the checks "is there a
// file where a directory is needed?" and the renames happen together.
class FlatDirStore : public wharf::StorageDriver {
 public:
  // `config` holds the validated INI section; `host` gives logging, metrics and lookups. Copy
  // what you keep: both are only borrowed during construction. Throwing here fails start-up.
  FlatDirStore(const wharf::Config& config, const wharf::Host& host)
      : dir_(config.required("dir")), host_(host) {
    std::filesystem::create_directories(dir_);
    host_.info("example-kv: objects are files in " + dir_);
  }

  wharf::StorageStat stat(const std::string& path) override {
    // Every path that comes from the host must be validated: no absolute paths, no "." or ".."
    // and no empty segments. The empty path is the root directory, valid for stat and list.
    wharf::validateStoragePath(path, /*allow_root=*/true);
    if (path.empty()) return wharf::StorageStat{0, 0, true};
    struct stat st {};
    if (::stat(file(path).c_str(), &st) == 0)
      return wharf::StorageStat{static_cast<uint64_t>(st.st_size), mtimeNs(st), false};
    if (errno != ENOENT) throwErrno(errno, "stat", file(path));
    if (hasObjectsBelow(path)) return wharf::StorageStat{0, 0, true};
    throw Error(WHARF_ERR_NOT_FOUND, "'" + path + "' not found");
  }

  void read(const std::string& path, uint64_t offset, uint64_t length,
            const wharf::ReadSink& sink) override {
    wharf::validateStoragePath(path);
    std::string f = file(path);
    Fd fd{::open(f.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.fd < 0) throwErrno(errno, "open", f);
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0) throwErrno(errno, "stat", f);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    // The contract: offset == size reads nothing; offset > size is the caller's mistake.
    if (offset > size) throw Error(WHARF_ERR_INVALID_ARGUMENT, "offset past the end of " + path);
    uint64_t end = size - offset < length ? size : offset + length;  // length may be UINT64_MAX
    std::vector<char> buf(64 * 1024);
    for (uint64_t pos = offset; pos < end;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - pos));
      ssize_t n = ::pread(fd.fd, buf.data(), want, static_cast<off_t>(pos));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throwErrno(errno, "read", f);
      if (n == 0) break;
      if (!sink(buf.data(), static_cast<size_t>(n))) return;  // the caller has seen enough
      pos += static_cast<uint64_t>(n);
    }
  }

  std::unique_ptr<wharf::StorageWriter> openWriter(const std::string& path) override {
    wharf::validateStoragePath(path);
    file(path);  // fails early when the encoded name is too long
    return std::make_unique<FlatWriter>(*this, path);
  }

  std::vector<wharf::StorageEntry> list(const std::string& dir) override {
    wharf::validateStoragePath(dir, /*allow_root=*/true);
    // The direct children of `dir`: for "a" and the objects "a/x" and "a/b/y", the file "x" and
    // the directory "b".
    std::map<std::string, bool> children;  // name -> is_dir
    std::string prefix = dir.empty() ? "" : dir + "/";
    for (const std::string& path : allPaths()) {
      if (!isBelow(path, dir)) continue;
      std::string rest = path.substr(prefix.size());
      size_t slash = rest.find('/');
      if (slash == std::string::npos)
        children[rest] = false;
      else
        children[rest.substr(0, slash)] = true;
    }
    if (children.empty() && !dir.empty())
      throw Error(WHARF_ERR_NOT_FOUND, "directory '" + dir + "' not found");
    std::vector<wharf::StorageEntry> out;
    for (auto& [name, is_dir] : children) out.push_back({name, is_dir});
    return out;
  }

  void move(const std::string& from, const std::string& to) override {
    wharf::validateStoragePath(from);
    wharf::validateStoragePath(to);
    if (isBelow(to, from))
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "cannot move '" + from + "' into itself");
    std::lock_guard lock(mu_);
    if (exists(from)) {  // one object: a single atomic rename replaces `to`
      if (from == to) return;
      checkFileSlot(to);
      renameFile(file(from), file(to));
      return;
    }
    std::vector<std::string> below = pathsBelow(from);  // a directory: move its objects
    if (below.empty()) throw Error(WHARF_ERR_NOT_FOUND, "'" + from + "' not found");
    if (from == to) return;
    if (exists(to) || hasObjectsBelow(to))
      throw Error(WHARF_ERR_EXISTS, "cannot move '" + from + "': '" + to + "' exists");
    checkFileSlot(to);
    for (const std::string& p : below) renameFile(file(p), file(to + p.substr(from.size())));
  }

  void remove(const std::string& path) override {
    wharf::validateStoragePath(path);
    std::lock_guard lock(mu_);
    if (::unlink(file(path).c_str()) == 0) return;
    if (errno != ENOENT) throwErrno(errno, "remove", file(path));
    std::vector<std::string> below = pathsBelow(path);
    if (below.empty()) throw Error(WHARF_ERR_NOT_FOUND, "'" + path + "' not found");
    for (const std::string& p : below)
      if (::unlink(file(p).c_str()) != 0 && errno != ENOENT) throwErrno(errno, "remove", file(p));
  }

  // Optional: a local file lets the host answer GET with sendfile(2) (zero copy). Drivers that
  // have no local files simply do not override this.
  std::optional<std::string> localPath(const std::string& path) override {
    wharf::validateStoragePath(path);
    if (!exists(path)) throw Error(WHARF_ERR_NOT_FOUND, "'" + path + "' not found");
    return std::filesystem::absolute(file(path)).string();
  }

  // ---- used by FlatWriter ----
  std::string file(const std::string& path) const {
    std::string name = encode(path);
    if (name.size() > 255)
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "path too long for example-kv: " + path);
    return dir_ + "/" + name;
  }

  std::string newTempFile() const {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return dir_ + "/.tmp-" + std::to_string(rng()) + "-" + std::to_string(counter++);
  }

  // Publishes a finished temp file as `path` (FlatWriter::commit).
  void publish(const std::string& temp, const std::string& path) {
    std::lock_guard lock(mu_);
    checkFileSlot(path);
    renameFile(temp, file(path));
  }

 private:
  static int64_t mtimeNs(const struct stat& st) {
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }

  bool exists(const std::string& path) const {
    struct stat st {};
    return ::stat(file(path).c_str(), &st) == 0;
  }

  // Every stored path (the decoded names of all files but our hidden temp files).
  std::vector<std::string> allPaths() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir_.c_str());
    if (!d) throwErrno(errno, "list", dir_);
    while (struct dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') out.push_back(decode(e->d_name));
    ::closedir(d);
    return out;
  }

  std::vector<std::string> pathsBelow(const std::string& dir) const {
    std::vector<std::string> out;
    for (const std::string& p : allPaths())
      if (isBelow(p, dir)) out.push_back(p);
    return out;
  }

  bool hasObjectsBelow(const std::string& dir) const { return !pathsBelow(dir).empty(); }

  // An object may not be created where a directory is ("a" while "a/b" exists), nor below an
  // object ("a/b" while "a" exists): a file system could not hold both either.
  void checkFileSlot(const std::string& path) const {
    if (hasObjectsBelow(path)) throw Error(WHARF_ERR_EXISTS, "'" + path + "' is a directory");
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1))
      if (exists(path.substr(0, slash)))
        throw Error(WHARF_ERR_EXISTS, "'" + path.substr(0, slash) + "' is an object");
  }

  static void renameFile(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) throwErrno(errno, "rename", from);
  }

  std::string dir_;
  wharf::Host host_;
  std::mutex mu_;
};

FlatWriter::FlatWriter(FlatDirStore& store, std::string path)
    : store_(store), path_(std::move(path)), temp_(store.newTempFile()) {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throwErrno(errno, "create", temp_);
}

void FlatWriter::commit() {
  if (::fsync(fd_) != 0) throwErrno(errno, "fsync", temp_);  // data on disk before the rename
  ::close(fd_);
  fd_ = -1;
  store_.publish(temp_, path_);
  committed_ = true;
}

}  // namespace example

// ---- step 4: registration
// ------------------------------------------------------------------------ This one line defines
// the exported entry point wharf_plugin_init. wharfd loads libwharf-example-kv.so for `module =
// example-kv`:
//
//   [plugin.kv]
//   module = example-kv
//   dir = /var/lib/wharf/kv
WHARF_STORAGE_PLUGIN(example::FlatDirStore, "example-kv", "1.0.0",
                     "example: one file per object in a flat directory", example::kKeys)

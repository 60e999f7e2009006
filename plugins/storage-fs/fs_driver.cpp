#include "fs_driver.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "direct_appender.hpp"
#include "fs_errors.hpp"
#include "fs_files.hpp"
#include "fs_writer.hpp"

namespace wharf::fs {
namespace {

constexpr size_t kReadBuffer = 1 << 20;
constexpr int kRenameAttempts = 100;

int64_t mtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// "a/b/c" -> "a/b"; "c" -> "" (the root).
std::string parentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

}  // namespace

FsDriver::FsDriver(const Config& config, const Host& host)
    : host_(host),
      fsync_(config.boolean("fsync")),
      direct_io_(config.boolean("direct_io")),
      direct_io_from_(
          (static_cast<uint64_t>(std::max<int64_t>(config.integer("direct_io_from"), 0)) +
           DirectAppender::kBlock - 1) /
          DirectAppender::kBlock * DirectAppender::kBlock) {
  std::filesystem::path root =
      std::filesystem::absolute(config.required("root")).lexically_normal();
  root_ = root.string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  tmp_name_ = config.required("tmp_dir");
  validateStoragePath(tmp_name_);
  if (tmp_name_.find('/') != std::string::npos)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "tmp_dir '" + tmp_name_ + "' must be one name inside root (same file system)");
  tmp_dir_ = fullPath(tmp_name_);

  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) throwErrno(ec.value(), "create root", root_);
  struct stat st {};
  if (::stat(root_.c_str(), &st) != 0) throwErrno(errno, "stat root", root_);
  if (!S_ISDIR(st.st_mode))
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "root '" + root_ + "' is not a directory");
  if (::mkdir(tmp_dir_.c_str(), 0755) != 0 && errno != EEXIST) throwErrno(errno, "mkdir", tmp_dir_);
  if (::stat(tmp_dir_.c_str(), &st) != 0) throwErrno(errno, "stat", tmp_dir_);
  if (!S_ISDIR(st.st_mode))
    throw Error(WHARF_ERR_EXISTS, "tmp_dir '" + tmp_dir_ + "' exists and is not a directory");
  // Alone on tmp_dir: what a crashed process left there goes at once; otherwise only what is older
  // than stale_tmp_age (another process's upload may own the rest).
  removeStaleTemps(lockTempDir() ? 0 : config.integer("stale_tmp_age"));
}

FsDriver::~FsDriver() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

namespace {
constexpr const char* kTempLock = ".in-use.lock";
}

bool FsDriver::lockTempDir() {
  const std::string path = tmp_dir_ + "/" + kTempLock;
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throwErrno(errno, "open", path);
  const bool alone = ::flock(lock_fd_, LOCK_EX | LOCK_NB) == 0;
  // Shared from now on (flock converts in place): later drivers see that this one is alive.
  if (::flock(lock_fd_, LOCK_SH) != 0) throwErrno(errno, "flock", path);
  return alone;
}

std::string FsDriver::fullPath(const std::string& path) const {
  if (path.empty()) return root_;
  return root_ == "/" ? root_ + path : root_ + "/" + path;
}

std::string FsDriver::newTempPath(const std::string& prefix) const {
  return tmp_dir_ + "/" + uniqueName(prefix);
}

void FsDriver::check(const std::string& path, bool allow_root) const {
  validateStoragePath(path, allow_root);
  if (path.compare(0, tmp_name_.size(), tmp_name_) == 0 &&
      (path.size() == tmp_name_.size() || path[tmp_name_.size()] == '/'))
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "invalid storage path '" + path + "': '" + tmp_name_ + "' is reserved");
}

void FsDriver::syncDir(const std::string& path) {
  if (!fsync_) return;
  try {
    fsyncDir(fullPath(path));
  } catch (const Error& e) {
    // Pruned meanwhile by a concurrent remove: nothing is left in it to make durable.
    if (e.code() != WHARF_ERR_NOT_FOUND) throw;
  }
}

StorageStat FsDriver::stat(const std::string& path) {
  check(path, /*allow_root=*/true);
  std::string full = fullPath(path);
  struct stat st {};
  if (::stat(full.c_str(), &st) != 0) throwErrno(errno, "stat", full, /*lookup=*/true);
  if (S_ISDIR(st.st_mode)) return StorageStat{0, mtimeNs(st), true};
  if (!S_ISREG(st.st_mode)) throw Error(WHARF_ERR_IO, "'" + full + "' is not a regular file");
  return StorageStat{static_cast<uint64_t>(st.st_size), mtimeNs(st), false};
}

void FsDriver::read(const std::string& path, uint64_t offset, uint64_t length,
                    const ReadSink& sink) {
  check(path);
  std::string full = fullPath(path);
  UniqueFd fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throwErrno(errno, "open", full, /*lookup=*/true);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throwErrno(errno, "stat", full);
  if (S_ISDIR(st.st_mode)) throw Error(WHARF_ERR_INVALID_ARGUMENT, "'" + path + "' is a directory");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "offset " + std::to_string(offset) +
                                                " is past the end of '" + path + "' (" +
                                                std::to_string(size) + " bytes)");
  uint64_t end = size - offset < length ? size : offset + length;
  if (end == offset) return;
  ::posix_fadvise(fd.get(), static_cast<off_t>(offset), static_cast<off_t>(end - offset),
                  POSIX_FADV_SEQUENTIAL);
  size_t cap = static_cast<size_t>(std::min<uint64_t>(kReadBuffer, end - offset));
  auto buf = std::make_unique<char[]>(cap);
  for (uint64_t pos = offset; pos < end;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(cap, end - pos));
    size_t n = readAt(fd.get(), buf.get(), want, pos, full);
    if (n == 0) throw Error(WHARF_ERR_IO, "'" + full + "' shrank while being read");
    if (!sink(buf.get(), n)) return;
    pos += n;
    // A long read is a long call: past the drain deadline it ends (storage.h, "Long calls").
    if (pos < end && host_.stopping())
      throw Error(WHARF_ERR_CANCELLED, "read of '" + path + "' abandoned: the host is stopping");
  }
}

std::unique_ptr<StorageWriter> FsDriver::openWriter(const std::string& path) {
  check(path);
  return std::make_unique<FsWriter>(*this, path);
}

std::vector<StorageEntry> FsDriver::list(const std::string& dir) {
  check(dir, /*allow_root=*/true);
  std::string full = fullPath(dir);
  std::unique_ptr<DIR, DirCloser> d(::opendir(full.c_str()));
  if (!d) throwErrno(errno, "list", full, /*lookup=*/true);
  std::vector<StorageEntry> out;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d.get());
    if (!e) {
      if (errno != 0) throwErrno(errno, "list", full);
      break;
    }
    std::string name = e->d_name;
    if (name == "." || name == ".." || (dir.empty() && name == tmp_name_)) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(dirfd(d.get()), e->d_name, &st, 0) != 0) continue;  // dangling link, race
      if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) continue;
      is_dir = S_ISDIR(st.st_mode);
    } else if (e->d_type != DT_DIR && e->d_type != DT_REG) {
      continue;  // sockets, fifos, devices: not objects
    }
    out.push_back({std::move(name), is_dir});
  }
  return out;
}

bool FsDriver::makeParents(const std::string& path) {
  std::string parent = parentOf(path);
  if (parent.empty()) return true;
  struct stat st {};
  if (::stat(fullPath(parent).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    std::string full = fullPath(dir);
    if (::mkdir(full.c_str(), 0755) == 0) {
      syncDir(parentOf(dir));
      continue;
    }
    if (errno == ENOENT) return false;  // the directory above was just pruned
    if (errno != EEXIST) throwErrno(errno, "mkdir", full);
    if (::stat(full.c_str(), &st) != 0) {
      if (errno == ENOENT) return false;
      throwErrno(errno, "stat", full);
    }
    if (!S_ISDIR(st.st_mode))
      throw Error(WHARF_ERR_EXISTS,
                  "'" + dir + "' is a file, not a directory (creating '" + path + "')");
  }
  return true;
}

void FsDriver::renameInto(const std::string& from_full, const std::string& to,
                          const std::string& op) {
  std::string to_full = fullPath(to);
  for (int attempt = 1;; ++attempt) {
    int err = ENOENT;
    if (makeParents(to)) {
      if (::rename(from_full.c_str(), to_full.c_str()) == 0) break;
      err = errno;
    }
    if (err != ENOENT) throwErrno(err, op, to_full);
    if (::access(from_full.c_str(), F_OK) != 0) throwErrno(errno, op, from_full, true);
    // A directory above `to` was pruned by a concurrent remove: create it again.
    if (attempt == kRenameAttempts)
      throw Error(WHARF_ERR_UNAVAILABLE, op + " '" + to_full + "': its parent directories keep " +
                                             "being removed concurrently");
  }
  syncDir(parentOf(to));
}

void FsDriver::publish(const std::string& temp, const std::string& path) {
  renameInto(temp, path, "commit");
}

void FsDriver::pruneParents(const std::string& path) {
  for (std::string dir = parentOf(path); !dir.empty(); dir = parentOf(dir))
    if (::rmdir(fullPath(dir).c_str()) != 0) break;  // not empty (or gone): stop
}

void FsDriver::move(const std::string& from, const std::string& to) {
  check(from);
  check(to);
  if (to.size() > from.size() && to.compare(0, from.size(), from) == 0 && to[from.size()] == '/')
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "cannot move '" + from + "' into itself ('" + to + "')");
  std::string from_full = fullPath(from), to_full = fullPath(to);
  struct stat sf {
  }, st{};
  if (::lstat(from_full.c_str(), &sf) != 0) throwErrno(errno, "move", from_full, /*lookup=*/true);
  if (from == to) return;
  if (::lstat(to_full.c_str(), &st) == 0 && (S_ISDIR(sf.st_mode) || S_ISDIR(st.st_mode)))
    throw Error(WHARF_ERR_EXISTS, "cannot move '" + from + "' to '" + to +
                                      "': " + (S_ISDIR(st.st_mode) ? "a directory" : "a file") +
                                      " exists there");
  renameInto(from_full, to, "move");
  if (parentOf(from) != parentOf(to)) syncDir(parentOf(from));
  pruneParents(from);
}

void FsDriver::remove(const std::string& path) {
  check(path);
  std::string full = fullPath(path);
  struct stat st {};
  if (::lstat(full.c_str(), &st) != 0) throwErrno(errno, "remove", full, /*lookup=*/true);
  if (S_ISDIR(st.st_mode)) {
    // Take the whole directory out of the tree in one rename, then delete it at leisure.
    std::string doomed = newTempPath("rm-");
    std::string victim = full;
    if (::rename(full.c_str(), doomed.c_str()) == 0) {
      victim = doomed;
    } else if (errno != EXDEV) {
      throwErrno(errno, "remove", full, /*lookup=*/true);
    }
    std::error_code ec;
    std::filesystem::remove_all(victim, ec);
    if (ec && victim == full) throwErrno(ec.value(), "remove", full);
    if (ec) host_.warning("could not delete '" + victim + "': " + ec.message());
  } else if (::unlink(full.c_str()) != 0) {
    throwErrno(errno, "remove", full, /*lookup=*/true);
  }
  syncDir(parentOf(path));
  pruneParents(path);
}

std::optional<std::string> FsDriver::localPath(const std::string& path) {
  StorageStat st = stat(path);
  if (st.is_dir) throw Error(WHARF_ERR_INVALID_ARGUMENT, "'" + path + "' is a directory");
  return fullPath(path);
}

void FsDriver::health() {
  for (const std::string& dir : {root_, tmp_dir_})
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw Error(WHARF_ERR_UNAVAILABLE,
                  "'" + dir + "' is not writable: " + std::system_category().message(errno));
}

void FsDriver::removeStaleTemps(int64_t max_age_s) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(tmp_dir_.c_str()));
  if (!d) throwErrno(errno, "list", tmp_dir_);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  int removed = 0;
  while (struct dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name == kTempLock) continue;
    struct stat st {};
    if (::fstatat(dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (max_age_s > 0 && now_s - static_cast<int64_t>(st.st_mtim.tv_sec) < max_age_s) continue;
    std::error_code ec;
    std::filesystem::remove_all(tmp_dir_ + "/" + name, ec);
    if (ec)
      host_.warning("could not delete stale '" + tmp_dir_ + "/" + name + "': " + ec.message());
    else
      ++removed;
  }
  if (removed > 0)
    host_.info("removed " + std::to_string(removed) + " " + (max_age_s > 0 ? "stale " : "") +
               "temporary file(s) left by an earlier run from " + tmp_dir_);
}

}  // namespace wharf::fs

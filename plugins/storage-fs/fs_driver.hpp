// FsDriver: storage over a directory tree of plain files. Object "a/b/c" is the file
// <root>/a/b/c, so a tree written by distribution's filesystem driver is served unchanged and the
// reverse.
//
// - Writers write a temp file in <root>/<tmp_dir> (same file system) and commit with rename(2),
//   so readers see the old or the new content, never a part. With `fsync` the file is fsync'ed
//   before the rename and its directory after it.
// - With `direct_io`, what a new object holds beyond `direct_io_from` (64 MiB) is written with
//   O_DIRECT (DirectAppender): big blobs reach the disk without a page-cache copy and do not evict
//   the cache that serves manifests and small blobs, while small and medium objects (and the
//   head of big ones) stay cached for the pulls that often follow a push.
// - Directories that become empty through remove() or move() are removed up to the root, so that
//   directories stay "implied by paths" as with the other drivers; writers and moves retry when
//   a directory they just created is pruned under them.
// - Paths are validated lexically (no absolute paths, "." or ".." segments) and the tmp_dir name
//   is reserved at the root. Symbolic links inside the root are followed like any file: the root
//   is trusted and not checked for links that lead outside it.
// - Temp files (and directories being removed) older than `stale_tmp_age` are deleted at
//   create(): they are what a crash leaves behind.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wharf/cpp/config.hpp"
#include "wharf/cpp/host.hpp"
#include "wharf/cpp/storage.hpp"

namespace wharf::fs {

class FsDriver : public StorageDriver {
 public:
  FsDriver(const Config& config, const Host& host);
  ~FsDriver() override;

  StorageStat stat(const std::string& path) override;
  void read(const std::string& path, uint64_t offset, uint64_t length,
            const ReadSink& sink) override;
  std::unique_ptr<StorageWriter> openWriter(const std::string& path) override;
  std::vector<StorageEntry> list(const std::string& dir) override;
  void move(const std::string& from, const std::string& to) override;
  void remove(const std::string& path) override;
  std::optional<std::string> localPath(const std::string& path) override;
  void health() override;

  // For writers: the file system path of object `path`, a fresh temp file path, and the atomic
  // publication of a finished temp file at `path`.
  std::string fullPath(const std::string& path) const;
  std::string newTempPath(const std::string& prefix) const;
  void publish(const std::string& temp, const std::string& path);
  bool fsyncEnabled() const { return fsync_; }
  bool directIo() const { return direct_io_; }
  // Objects are written through the page cache up to this offset, with O_DIRECT beyond it.
  uint64_t directIoFrom() const { return direct_io_from_; }

 private:
  // Validates `path` and refuses the reserved tmp_dir name at the root.
  void check(const std::string& path, bool allow_root = false) const;
  // Creates the missing directories above `path`; fsyncs the parents of created ones. False when
  // a concurrent remove pruned one of them meanwhile (try again).
  bool makeParents(const std::string& path);
  // rename(2) that recreates `to`'s parents and retries when they are pruned concurrently.
  void renameInto(const std::string& from_full, const std::string& to, const std::string& op);
  // Removes now-empty directories above `path`, stopping at the first non-empty one.
  void pruneParents(const std::string& path);
  void syncDir(const std::string& path);
  void removeStaleTemps(int64_t max_age_s);
  // Holds tmp_dir's lock shared for the driver's life; true when no other driver (in any process)
  // held it, so every temporary file there is debris of a crash and can go now.
  bool lockTempDir();

  Host host_;
  int lock_fd_ = -1;
  std::string root_;
  std::string tmp_name_;
  std::string tmp_dir_;
  bool fsync_;
  bool direct_io_;
  uint64_t direct_io_from_;
};

}  // namespace wharf::fs

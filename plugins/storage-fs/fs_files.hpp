// Small POSIX helpers for the file system driver: an owning file descriptor and loops that
// retry on EINTR and short transfers. Every failure throws through throwErrno().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wharf::fs {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept;
  // Closes and reports a close(2) failure (deferred write errors on some file systems).
  void close(const std::string& path);

 private:
  int fd_ = -1;
};

// Writes all `size` bytes at `offset`.
void writeAllAt(int fd, const void* data, size_t size, uint64_t offset, const std::string& path);

// Reads up to `size` bytes at `offset`; returns fewer only at the end of the file.
size_t readAt(int fd, void* data, size_t size, uint64_t offset, const std::string& path);

void fsyncFd(int fd, const std::string& path);
// fsync(2) of a directory, so that entries created or renamed in it are durable.
void fsyncDir(const std::string& path);

// A name unlikely to exist: `prefix` + 16 random hex digits + a per-process counter.
std::string uniqueName(const std::string& prefix);

}  // namespace wharf::fs

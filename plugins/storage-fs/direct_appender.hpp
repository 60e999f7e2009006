// DirectAppender: writes a file from an offset on, front to back, with O_DIRECT, so that large
// objects go to the disk without passing through (and evicting) the page cache, as MinIO does for
// large objects. Bytes collect in a 4 KiB-aligned stage; each time it fills, its whole blocks go
// out through an O_DIRECT descriptor. finish() writes what is left through the buffered descriptor,
// so an object smaller than one stage never uses O_DIRECT. Where the file system refuses O_DIRECT
// (tmpfs, some FUSE and network file systems: EINVAL at open or at a write), the rest of the
// file is written buffered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fs_files.hpp"

namespace wharf::fs {

class DirectAppender {
 public:
  static constexpr size_t kStageBytes = 2u << 20;
  static constexpr size_t kBlock = 4096;

  // `buffered_fd` is the file's ordinary descriptor (owned by the caller); appended bytes go to
  // `offset` on (a multiple of kBlock) and after.
  DirectAppender(int buffered_fd, std::string path, uint64_t offset);

  void append(const void* data, size_t size);
  // Writes the staged bytes; the file then holds everything appended.
  void finish();

 private:
  void flushBlocks();
  void writeBuffered(const char* data, size_t size);

  struct FreeDeleter {
    void operator()(char* p) const;
  };

  int buffered_fd_;
  std::string path_;
  UniqueFd direct_;
  bool direct_refused_ = false;
  std::unique_ptr<char, FreeDeleter> stage_;
  size_t staged_ = 0;
  uint64_t offset_ = 0;  // the file offset of the stage's first byte
};

}  // namespace wharf::fs

#include "direct_appender.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fs_errors.hpp"

namespace wharf::fs {

void DirectAppender::FreeDeleter::operator()(char* p) const { std::free(p); }

DirectAppender::DirectAppender(int buffered_fd, std::string path, uint64_t offset)
    : buffered_fd_(buffered_fd), path_(std::move(path)), offset_(offset) {}

void DirectAppender::append(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  if (!stage_) {
    void* mem = nullptr;
    if (posix_memalign(&mem, kBlock, kStageBytes) != 0) throwErrno(ENOMEM, "allocate", path_);
    stage_.reset(static_cast<char*>(mem));
  }
  while (size > 0) {
    const size_t n = std::min(size, kStageBytes - staged_);
    std::memcpy(stage_.get() + staged_, p, n);
    staged_ += n;
    p += n;
    size -= n;
    if (staged_ == kStageBytes) flushBlocks();
  }
}

void DirectAppender::flushBlocks() {
  if (!direct_ && !direct_refused_) {
    direct_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC));
    if (!direct_) {
      if (errno != EINVAL) throwErrno(errno, "open (O_DIRECT)", path_);
      direct_refused_ = true;
    }
  }
  const size_t whole = staged_ / kBlock * kBlock;
  size_t done = 0;
  while (direct_ && done < whole) {
    ssize_t n = ::pwrite(direct_.get(), stage_.get() + done, whole - done,
                         static_cast<off_t>(offset_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL) {  // the file system takes O_DIRECT opens, not writes
      direct_.reset();
      direct_refused_ = true;
      break;
    }
    if (n < 0) throwErrno(errno, "write", path_);
    done += static_cast<size_t>(n);
  }
  offset_ += done;
  if (done < whole) writeBuffered(stage_.get() + done, whole - done);
  std::memmove(stage_.get(), stage_.get() + whole, staged_ - whole);
  staged_ -= whole;
}

void DirectAppender::writeBuffered(const char* data, size_t size) {
  writeAllAt(buffered_fd_, data, size, offset_, path_);
  offset_ += size;
}

void DirectAppender::finish() {
  if (staged_ > 0) writeBuffered(stage_.get(), staged_);
  staged_ = 0;
  stage_.reset();
  direct_.reset();
}

}  // namespace wharf::fs

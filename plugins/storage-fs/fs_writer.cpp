#include "fs_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fs_errors.hpp"

namespace wharf::fs {

FsWriter::FsWriter(FsDriver& driver, std::string path) : driver_(driver), path_(std::move(path)) {
  temp_ = driver_.newTempPath("w-");
  fd_ = UniqueFd(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd_) throwErrno(errno, "create temp file for '" + path_ + "'", temp_);
  if (driver_.directIo()) direct_.emplace(fd_.get(), temp_, driver_.directIoFrom());
}

FsWriter::~FsWriter() {
  fd_.reset();
  if (!published_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void FsWriter::write(const void* data, size_t size) {
  if (finished_) throw Error(WHARF_ERR_INVALID_ARGUMENT, "writer for '" + path_ + "' is finished");
  const char* bytes = static_cast<const char*>(data);
  if (direct_ && written_ + size > driver_.directIoFrom()) {
    // Up to direct_io_from through the page cache, the rest through the DirectAppender.
    const size_t cached = written_ < driver_.directIoFrom()
                              ? static_cast<size_t>(driver_.directIoFrom() - written_)
                              : 0;
    if (cached > 0) writeAllAt(fd_.get(), bytes, cached, written_, temp_);
    direct_->append(bytes + cached, size - cached);
  } else {
    writeAllAt(fd_.get(), bytes, size, written_, temp_);
  }
  written_ += size;
}

void FsWriter::commit() {
  if (finished_) throw Error(WHARF_ERR_INVALID_ARGUMENT, "writer for '" + path_ + "' is finished");
  finished_ = true;
  if (direct_) direct_->finish();
  if (driver_.fsyncEnabled()) fsyncFd(fd_.get(), temp_);
  fd_.close(temp_);
  driver_.publish(temp_, path_);
  published_ = true;
}

}  // namespace wharf::fs

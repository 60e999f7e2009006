// FsWriter: a pending object in a temp file inside <root>/<tmp_dir>; commit() renames it into
// place. What lies beyond direct_io_from goes through a DirectAppender when the driver has
// `direct_io`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "direct_appender.hpp"
#include "fs_driver.hpp"
#include "fs_files.hpp"

namespace wharf::fs {

class FsWriter : public StorageWriter {
 public:
  FsWriter(FsDriver& driver, std::string path);
  ~FsWriter() override;

  void write(const void* data, size_t size) override;
  uint64_t written() const override { return written_; }
  void commit() override;

 private:
  FsDriver& driver_;
  std::string path_;
  std::string temp_;
  UniqueFd fd_;
  std::optional<DirectAppender> direct_;  // new objects when the driver has direct_io
  uint64_t written_ = 0;
  bool finished_ = false;
  bool published_ = false;
};

}  // namespace wharf::fs

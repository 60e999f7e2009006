// CacheWriter: a backend writer whose commit also invalidates the cached object.
#pragma once

#include <string>

#include "cache_driver.hpp"

namespace wharf::cache {

class CacheWriter : public StorageWriter {
 public:
  CacheWriter(CacheDriver& driver, std::string path, StorageClient::Writer backend)
      : driver_(driver), path_(std::move(path)), backend_(std::move(backend)) {}

  void write(const void* data, size_t size) override { backend_.write(data, size); }
  uint64_t written() const override { return backend_.written(); }
  void commit() override;

 private:
  CacheDriver& driver_;
  std::string path_;
  StorageClient::Writer backend_;  // cancelled by its destructor unless committed
};

}  // namespace wharf::cache

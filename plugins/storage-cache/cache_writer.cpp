#include "cache_writer.hpp"

namespace wharf::cache {

void CacheWriter::commit() {
  try {
    backend_.commit();
  } catch (...) {
    driver_.invalidate(path_);  // the backend may have changed anyway: never trust the old bytes
    throw;
  }
  driver_.invalidate(path_);
}

}  // namespace wharf::cache

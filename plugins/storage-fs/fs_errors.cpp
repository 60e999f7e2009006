#include "fs_errors.hpp"

#include <cerrno>
#include <system_error>

namespace wharf::fs {

wharf_status statusForErrno(int err) {
  switch (err) {
    case ENOENT:
      return WHARF_ERR_NOT_FOUND;
    case ENOSPC:
    case EDQUOT:
      return WHARF_ERR_NO_SPACE;
    case EACCES:
    case EPERM:
      return WHARF_ERR_PERMISSION;
    case EEXIST:
    case ENOTEMPTY:
    case EISDIR:
    case ENOTDIR:
      return WHARF_ERR_EXISTS;
    default:
      return WHARF_ERR_IO;
  }
}

void throwErrno(int err, const std::string& op, const std::string& path, bool lookup) {
  wharf_status code = lookup && err == ENOTDIR ? WHARF_ERR_NOT_FOUND : statusForErrno(err);
  throw Error(code, op + " '" + path + "': " + std::system_category().message(err));
}

}  // namespace wharf::fs

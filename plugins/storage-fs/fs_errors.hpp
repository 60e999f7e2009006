// errno -> wharf::Error for the file system driver. Messages name the operation, the file system
// path and strerror.
#pragma once

#include <string>

#include "wharf/cpp/error.hpp"

namespace wharf::fs {

// ENOENT -> NOT_FOUND; ENOSPC, EDQUOT -> NO_SPACE; EACCES, EPERM -> PERMISSION; EEXIST,
// ENOTEMPTY, EISDIR, ENOTDIR -> EXISTS (a file where a directory is needed or the reverse);
// everything else -> IO.
wharf_status statusForErrno(int err);

// Throws the error for `err`. With `lookup`, ENOTDIR (a file where a directory was expected on
// the way to `path`) means NOT_FOUND too.
[[noreturn]] void throwErrno(int err, const std::string& op, const std::string& path,
                             bool lookup = false);

}  // namespace wharf::fs

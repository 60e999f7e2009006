// C++ side of wharf_status / wharf_error: an exception type, conversion both ways, and the guard
// that keeps exceptions from crossing the C boundary.
#pragma once

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "wharf/plugin.h"

namespace wharf {

class Error : public std::runtime_error {
 public:
  Error(wharf_status code, const std::string& message) : std::runtime_error(message), code_(code) {}
  wharf_status code() const noexcept { return code_; }

 private:
  wharf_status code_;
};

namespace detail {

// An error allocated by this side of the boundary and released by this side's code.
struct OwnedError : wharf_error {
  std::string text;
  OwnedError(wharf_status c, std::string m) : wharf_error{}, text(std::move(m)) {
    struct_size = sizeof(wharf_error);
    code = c;
    message = text.c_str();
    release = [](wharf_error* self) { delete static_cast<OwnedError*>(self); };
  }
};

inline void storeError(wharf_error** err, wharf_status code, const std::string& message) noexcept {
  if (!err) return;
  try {
    *err = new OwnedError(code, message);
  } catch (...) {
    *err = nullptr;
  }
}

// Runs `fn`, turning any exception into a status plus an owned error.
template <class Fn>
wharf_status guard(wharf_error** err, Fn&& fn) noexcept {
  try {
    fn();
    return WHARF_OK;
  } catch (const Error& e) {
    storeError(err, e.code(), e.what());
    return e.code();
  } catch (const std::bad_alloc&) {
    storeError(err, WHARF_ERR_NO_SPACE, "out of memory");
    return WHARF_ERR_NO_SPACE;
  } catch (const std::invalid_argument& e) {
    storeError(err, WHARF_ERR_INVALID_ARGUMENT, e.what());
    return WHARF_ERR_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    storeError(err, WHARF_ERR_INTERNAL, e.what());
    return WHARF_ERR_INTERNAL;
  } catch (...) {
    storeError(err, WHARF_ERR_INTERNAL, "unknown exception");
    return WHARF_ERR_INTERNAL;
  }
}

}  // namespace detail

// Throws wharf::Error when `status` is not WHARF_OK, taking over and releasing `err` (and
// resetting it). `err` is taken by reference so that `check(f(&err), err)` reads it after the
// call: with a by-value parameter the compiler may read it before f() sets it.
inline void check(wharf_status status, wharf_error*& err, const char* what = nullptr) {
  wharf_error* e = err;
  err = nullptr;
  if (status == WHARF_OK) {
    wharf_error_release(e);
    return;
  }
  std::string message = e && e->message ? e->message : wharf_status_name(status);
  wharf_error_release(e);
  if (what) message = std::string(what) + ": " + message;
  throw Error(status, message);
}

// True when a C table built with an older SDK still has `member` (tables grow by appending).
#define WHARF_TABLE_HAS(table, member)                                                       \
  ((table) != nullptr &&                                                                     \
   (table)->struct_size >=                                                                   \
       offsetof(std::remove_pointer_t<decltype(table)>, member) + sizeof((table)->member) && \
   (table)->member != nullptr)

}  // namespace wharf

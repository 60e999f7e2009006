// The SDK's error helpers: check() must see the error a call stores, whatever order the compiler
// evaluates arguments in, and guard() must turn exceptions into status codes with messages.
#include <gtest/gtest.h>

#include "wharf/cpp/error.hpp"

namespace {

wharf_status failsWith(const char* message, wharf_error** err) {
  wharf::detail::storeError(err, WHARF_ERR_NOT_FOUND, message);
  return WHARF_ERR_NOT_FOUND;
}

}  // namespace

TEST(SdkCheck, SeesTheErrorStoredByTheCallInTheSameExpression) {
  wharf_error* err = nullptr;
  try {
    wharf::check(failsWith("blob sha256:abc is missing", &err), err, "op");
    FAIL() << "no exception";
  } catch (const wharf::Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_NOT_FOUND);
    EXPECT_STREQ(e.what(), "op: blob sha256:abc is missing");
  }
  EXPECT_EQ(err, nullptr);  // taken over and released
}

TEST(SdkCheck, OkReleasesAndResets) {
  wharf_error* err = nullptr;
  wharf::detail::storeError(&err, WHARF_ERR_IO, "stale");
  wharf::check(WHARF_OK, err);
  EXPECT_EQ(err, nullptr);
}

TEST(SdkGuard, MapsExceptionsToStatuses) {
  wharf_error* err = nullptr;
  EXPECT_EQ(wharf::detail::guard(&err, [] { throw wharf::Error(WHARF_ERR_EXISTS, "taken"); }),
            WHARF_ERR_EXISTS);
  ASSERT_NE(err, nullptr);
  EXPECT_STREQ(err->message, "taken");
  wharf_error_release(err);
  err = nullptr;
  EXPECT_EQ(wharf::detail::guard(&err, [] { throw std::invalid_argument("bad"); }),
            WHARF_ERR_INVALID_ARGUMENT);
  wharf_error_release(err);
  err = nullptr;
  EXPECT_EQ(wharf::detail::guard(&err, [] { throw std::runtime_error("boom"); }),
            WHARF_ERR_INTERNAL);
  EXPECT_STREQ(err->message, "boom");
  wharf_error_release(err);
  EXPECT_EQ(wharf::detail::guard(nullptr, [] {}), WHARF_OK);
}

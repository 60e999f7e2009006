#include "recent_blobs.hpp"

#include <gtest/gtest.h>

using wharf::registry::RecentBlobs;

TEST(RecentBlobs, TouchedDigestsAreRecentAndForgottenOnesAreNot) {
  RecentBlobs r(std::chrono::seconds(3600));
  r.touch("sha256:a");
  EXPECT_TRUE(r.recent("sha256:a"));
  EXPECT_FALSE(r.recent("sha256:b"));
  r.forget("sha256:a");
  EXPECT_FALSE(r.recent("sha256:a"));
  EXPECT_EQ(r.size(), 0u);
}

TEST(RecentBlobs, StaysBoundedWhenEveryEntryIsFresh) {
  // Manifests naming random digests kept ~75 bytes each for the whole grace period.
  RecentBlobs r(std::chrono::seconds(3600));
  for (size_t i = 0; i < RecentBlobs::kMaxEntries * 2; ++i) r.touch("sha256:" + std::to_string(i));
  EXPECT_LE(r.size(), RecentBlobs::kMaxEntries);
  const std::string last = "sha256:" + std::to_string(RecentBlobs::kMaxEntries * 2 - 1);
  EXPECT_TRUE(r.recent(last));
}

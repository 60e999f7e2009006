// The storage driver conformance suite: every driver setup from storageSetups() runs every test
// through the real C ABI (dlopen, wharf_plugin_init, create) and wharf::StorageClient.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "storage_env.hpp"
#include "storage_test_util.hpp"

namespace wharf::test {
namespace {

class StorageConformance : public ::testing::TestWithParam<StorageSetup> {
 protected:
  void SetUp() override {
    host_.setLogLevel(WHARF_LOG_INFO);
    env_ = std::make_unique<StorageEnv>(host_);
    GetParam().build(*env_);
    s_ = env_->client();
  }
  void TearDown() override { env_.reset(); }

  // Status of a raw C call, releasing the error.
  template <class Call>
  wharf_status raw(Call&& call) {
    wharf_error* err = nullptr;
    wharf_status st = call(env_->table(), env_->handle(), &err);
    if (st != WHARF_OK) {
      EXPECT_NE(err, nullptr) << "a failing call must return an error object";
      if (err) {
        EXPECT_NE(err->message, nullptr);
        EXPECT_EQ(err->code, st);
      }
    }
    wharf_error_release(err);
    return st;
  }
  wharf_status rawList(const std::string& path) {
    return raw([&](const wharf_storage_v1* t, void* i, wharf_error** e) {
      return t->list(
          i, path.c_str(), [](void*, const char*, int) { return 0; }, nullptr, e);
    });
  }
  wharf_status rawRemove(const std::string& path) {
    return raw([&](const wharf_storage_v1* t, void* i, wharf_error** e) {
      return t->remove(i, path.c_str(), e);
    });
  }

  TestHost host_;
  std::unique_ptr<StorageEnv> env_;
  StorageClient s_;
};

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(StorageConformance, DescriptorIsAStoragePlugin) {
  const wharf_storage_v1* t = env_->table();
  ASSERT_NE(t, nullptr);
  EXPECT_GE(t->struct_size, offsetof(wharf_storage_v1, remove) + sizeof(t->remove));
  EXPECT_NE(t->stat, nullptr);
  EXPECT_NE(t->read, nullptr);
  EXPECT_NE(t->open_writer, nullptr);
  EXPECT_NE(t->list, nullptr);
}

TEST_P(StorageConformance, RoundTrip) {
  s_.put("a", "hello");
  EXPECT_EQ(s_.get("a"), "hello");
  std::string binary("\0\1\2\xff\0zz", 7);
  s_.put("dir/bin", binary);
  EXPECT_EQ(s_.get("dir/bin"), binary);
  s_.put("empty", "");
  EXPECT_EQ(s_.get("empty"), "");
  s_.put("a", "replaced, longer than before");
  EXPECT_EQ(s_.get("a"), "replaced, longer than before");
  s_.put("a", "short");
  EXPECT_EQ(s_.get("a"), "short");
  EXPECT_EQ(s_.get("absent"), std::nullopt);
}

TEST_P(StorageConformance, WriterCountsBytes) {
  auto w = s_.openWriter("w");
  EXPECT_EQ(w.written(), 0u);
  w.write("abc");
  w.write("");
  w.write("defg");
  EXPECT_EQ(w.written(), 7u);
  w.commit();
  EXPECT_EQ(s_.get("w"), "abcdefg");
}

TEST_P(StorageConformance, Stat) {
  int64_t before = nowNs();
  s_.put("x/y/file", "12345");
  auto st = s_.find("x/y/file");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->size, 5u);
  EXPECT_FALSE(st->is_dir);
  // Within a minute of now (file systems may round times down).
  EXPECT_GT(st->mtime_ns, before - 60'000'000'000);
  EXPECT_LT(st->mtime_ns, nowNs() + 60'000'000'000);

  for (const char* dir : {"x", "x/y"}) {
    auto d = s_.find(dir);
    ASSERT_TRUE(d) << dir;
    EXPECT_TRUE(d->is_dir) << dir;
    EXPECT_EQ(d->size, 0u) << dir;
  }
  auto root = s_.find("");
  ASSERT_TRUE(root);
  EXPECT_TRUE(root->is_dir);

  EXPECT_FALSE(s_.find("x/y/file/below"));
  EXPECT_FALSE(s_.find("x/y/fil"));
  EXPECT_FALSE(s_.find("x/z"));
  EXPECT_FALSE(s_.exists("nothing"));
}

TEST_P(StorageConformance, Ranges) {
  const std::string data = "0123456789";
  s_.put("r", data);
  EXPECT_EQ(readRange(s_, "r", 0, UINT64_MAX), data);
  EXPECT_EQ(readRange(s_, "r", 0, 10), data);
  EXPECT_EQ(readRange(s_, "r", 3, 4), "3456");
  EXPECT_EQ(readRange(s_, "r", 7, UINT64_MAX), "789");
  EXPECT_EQ(readRange(s_, "r", 7, 100), "789");  // a length past the end stops at the end
  EXPECT_EQ(readRange(s_, "r", 9, 1), "9");
  EXPECT_EQ(readRange(s_, "r", 4, 0), "");
  EXPECT_EQ(readRange(s_, "r", 10, UINT64_MAX), "");  // offset == size: empty, not an error
  EXPECT_EQ(readRange(s_, "r", 10, 5), "");
  EXPECT_EQ(statusOf([&] { readRange(s_, "r", 11, 1); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { readRange(s_, "r", UINT64_MAX, UINT64_MAX); }),
            WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { readRange(s_, "nope", 0, 1); }), WHARF_ERR_NOT_FOUND);

  s_.put("e", "");
  EXPECT_EQ(readRange(s_, "e", 0, UINT64_MAX), "");
  EXPECT_EQ(statusOf([&] { readRange(s_, "e", 1, 1); }), WHARF_ERR_INVALID_ARGUMENT);
}

TEST_P(StorageConformance, ReadStopsWhenTheSinkSaysSo) {
  s_.put("big", pattern(1, 0, 4 << 20));
  size_t calls = 0, bytes = 0;
  s_.read("big", 0, UINT64_MAX, [&](const void*, size_t n) {
    ++calls;
    bytes += n;
    return false;
  });
  EXPECT_EQ(calls, 1u);
  EXPECT_GT(bytes, 0u);
  wharf_status st = raw([](const wharf_storage_v1* t, void* i, wharf_error** e) {
    return t->read(
        i, "big", 0, UINT64_MAX, [](void*, const void*, size_t) { return 1; }, nullptr, e);
  });
  EXPECT_EQ(st, WHARF_ERR_CANCELLED);
}

TEST_P(StorageConformance, InvisibleUntilCommit) {
  auto w = s_.openWriter("pending/obj");
  w.write("new content");
  EXPECT_FALSE(s_.exists("pending/obj"));
  EXPECT_EQ(s_.get("pending/obj"), std::nullopt);
  EXPECT_EQ(names(s_.list("")), std::vector<std::string>{});
  w.commit();
  EXPECT_EQ(s_.get("pending/obj"), "new content");

  auto w2 = s_.openWriter("pending/obj");
  w2.write("second version");
  EXPECT_EQ(s_.get("pending/obj"), "new content");
  EXPECT_EQ(s_.find("pending/obj")->size, 11u);
  w2.commit();
  EXPECT_EQ(s_.get("pending/obj"), "second version");
}

TEST_P(StorageConformance, CancelDiscards) {
  {
    auto w = s_.openWriter("c");
    w.write("never");
    w.cancel();
  }
  EXPECT_FALSE(s_.exists("c"));
  {
    auto w = s_.openWriter("c");
    w.write("dropped by the destructor");
  }
  EXPECT_FALSE(s_.exists("c"));
  EXPECT_EQ(names(s_.list("")), std::vector<std::string>{});

  s_.put("c", "kept");
  {
    auto w = s_.openWriter("c");
    w.write("discarded");
    w.cancel();
  }
  {
    auto w = s_.openWriter("c");
    w.write(" and discarded");
  }
  EXPECT_EQ(s_.get("c"), "kept");
}

// A writer replaces what it commits to; ABI 1.0's APPEND flag, which nothing used, is refused.
TEST_P(StorageConformance, CommitReplacesAndAppendIsRefused) {
  s_.put("up/data", "hello, world");
  {
    auto w = s_.openWriter("up/data");
    EXPECT_EQ(w.written(), 0u);
    w.write("x");
    EXPECT_EQ(s_.get("up/data"), "hello, world");  // invisible until commit
    w.commit();
  }
  EXPECT_EQ(s_.get("up/data"), "x");
  wharf_storage_writer* w = nullptr;
  wharf_status st = raw([&](const wharf_storage_v1* t, void* i, wharf_error** e) {
    return t->open_writer(i, "up/data", WHARF_WRITER_APPEND, &w, e);
  });
  EXPECT_EQ(st, WHARF_ERR_UNSUPPORTED);
  EXPECT_EQ(w, nullptr);
  EXPECT_EQ(s_.get("up/data"), "x");
}

TEST_P(StorageConformance, MoveFile) {
  s_.put("_uploads/u1/data", "blob");
  s_.move("_uploads/u1/data", "blobs/sha256/ab/abcd/data");
  EXPECT_EQ(s_.get("blobs/sha256/ab/abcd/data"), "blob");
  EXPECT_FALSE(s_.exists("_uploads/u1/data"));

  s_.put("other", "new");
  s_.move("other", "blobs/sha256/ab/abcd/data");  // replaces the target
  EXPECT_EQ(s_.get("blobs/sha256/ab/abcd/data"), "new");
  EXPECT_FALSE(s_.exists("other"));

  s_.put("same", "s");
  s_.move("same", "same");
  EXPECT_EQ(s_.get("same"), "s");

  EXPECT_EQ(statusOf([&] { s_.move("absent", "somewhere"); }), WHARF_ERR_NOT_FOUND);
  EXPECT_FALSE(s_.exists("somewhere"));
}

TEST_P(StorageConformance, MoveDirectory) {
  s_.put("src/a", "1");
  s_.put("src/sub/b", "2");
  s_.put("src/sub/deeper/c", "3");
  s_.put("srcx", "neighbour");
  s_.move("src", "dst/moved");
  EXPECT_FALSE(s_.exists("src"));
  EXPECT_FALSE(s_.exists("src/a"));
  EXPECT_EQ(s_.get("dst/moved/a"), "1");
  EXPECT_EQ(s_.get("dst/moved/sub/b"), "2");
  EXPECT_EQ(s_.get("dst/moved/sub/deeper/c"), "3");
  EXPECT_EQ(s_.get("srcx"), "neighbour");
  EXPECT_EQ(names(s_.list("dst/moved")), (std::vector<std::string>{"a", "sub/"}));
  EXPECT_EQ(rawList("src"), WHARF_ERR_NOT_FOUND);
  EXPECT_EQ(names(s_.list("")), (std::vector<std::string>{"dst/", "srcx"}));

  EXPECT_EQ(statusOf([&] { s_.move("dst", "dst/inside"); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(s_.get("dst/moved/a"), "1");
}

TEST_P(StorageConformance, RemoveRecursive) {
  s_.put("t/a", "1");
  s_.put("t/b/c", "2");
  s_.put("t/b/d/e", "3");
  s_.put("tt", "neighbour");
  s_.put("keep/x", "4");
  EXPECT_TRUE(s_.removeIfExists("t/b/c"));
  EXPECT_FALSE(s_.exists("t/b/c"));
  EXPECT_EQ(s_.get("t/b/d/e"), "3");
  EXPECT_TRUE(s_.removeIfExists("t"));
  for (const char* p : {"t", "t/a", "t/b", "t/b/d", "t/b/d/e"}) EXPECT_FALSE(s_.exists(p)) << p;
  EXPECT_EQ(s_.get("tt"), "neighbour");
  EXPECT_EQ(s_.get("keep/x"), "4");
  EXPECT_EQ(names(s_.list("")), (std::vector<std::string>{"keep/", "tt"}));
  EXPECT_FALSE(s_.removeIfExists("t"));
  EXPECT_EQ(rawRemove("t"), WHARF_ERR_NOT_FOUND);

  // Removing the last object of a directory removes the (implied) directory as well.
  EXPECT_TRUE(s_.removeIfExists("keep/x"));
  EXPECT_FALSE(s_.exists("keep"));
  EXPECT_EQ(names(s_.list("")), (std::vector<std::string>{"tt"}));
}

TEST_P(StorageConformance, ListSemantics) {
  EXPECT_EQ(names(s_.list("")), std::vector<std::string>{});
  EXPECT_EQ(rawList(""), WHARF_OK);  // the root always exists
  s_.put("repos/alpine/_manifests/tags/latest/current/link", "sha256:1");
  s_.put("repos/alpine/_manifests/tags/3.19/current/link", "sha256:2");
  s_.put("repos/alpine/_layers/sha256/aa/link", "sha256:aa");
  s_.put("repos/busybox/_layers/sha256/bb/link", "sha256:bb");
  s_.put("repos/readme", "top");
  s_.put("repos-other", "neighbour");
  EXPECT_EQ(names(s_.list("")), (std::vector<std::string>{"repos-other", "repos/"}));
  EXPECT_EQ(names(s_.list("repos")), (std::vector<std::string>{"alpine/", "busybox/", "readme"}));
  EXPECT_EQ(names(s_.list("repos/alpine")), (std::vector<std::string>{"_layers/", "_manifests/"}));
  EXPECT_EQ(names(s_.list("repos/alpine/_manifests/tags")),
            (std::vector<std::string>{"3.19/", "latest/"}));
  EXPECT_EQ(rawList("repos/missing"), WHARF_ERR_NOT_FOUND);
  EXPECT_EQ(rawList("repos/readme"), WHARF_ERR_NOT_FOUND);  // a file is not a directory
  EXPECT_EQ(rawList("repos/alpin"), WHARF_ERR_NOT_FOUND);

  // The listing callback may stop early.
  int seen = 0;
  wharf_status st = raw([&](const wharf_storage_v1* t, void* i, wharf_error** e) {
    return t->list(
        i, "repos",
        [](void* ctx, const char*, int) {
          ++*static_cast<int*>(ctx);
          return 1;
        },
        &seen, e);
  });
  EXPECT_EQ(st, WHARF_OK);
  EXPECT_EQ(seen, 1);
}

// list_page (ABI 1.1): sorted pages with stats, as an object store pages its listings; drivers
// without it get the SDK's list-and-stat default, so every setup answers alike.
TEST_P(StorageConformance, ListPagesWithStats) {
  s_.put("up/parts/00000000000000000010", std::string(10, 'a'));
  s_.put("up/parts/00000000000000000000", std::string(7, 'b'));
  s_.put("up/parts/00000000000000000017", std::string(3, 'c'));
  s_.put("up/parts/sub/x", "x");
  s_.put("up/parts-neighbour", "n");
  auto all = s_.listPage("up/parts");
  std::vector<std::string> order;
  for (auto& e : all) order.push_back(e.name + (e.stat.is_dir ? "/" : ""));
  EXPECT_EQ(order, (std::vector<std::string>{"00000000000000000000", "00000000000000000010",
                                             "00000000000000000017", "sub/"}));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].stat.size, 7u);
  EXPECT_EQ(all[1].stat.size, 10u);
  EXPECT_EQ(all[2].stat.size, 3u);
  EXPECT_GT(all[1].stat.mtime_ns, 0);
  EXPECT_EQ(all[3].stat.size, 0u);

  auto first = s_.listPage("up/parts", "", 2);
  ASSERT_EQ(first.size(), 2u);
  auto rest = s_.listPage("up/parts", first.back().name, 2);
  ASSERT_EQ(rest.size(), 2u);  // a full page: ask again
  EXPECT_EQ(rest[0].name, "00000000000000000017");
  EXPECT_TRUE(s_.listPage("up/parts", rest.back().name, 2).empty());
  EXPECT_EQ(s_.listPage("up", "parts").size(), 1u);  // "parts-neighbour" sorts after "parts"
  EXPECT_TRUE(s_.listPageIfExists("up/missing").empty());
  EXPECT_EQ(statusOf([&] { s_.listPage("up/missing"); }), WHARF_ERR_NOT_FOUND);

  wharf_status missing = raw([&](const wharf_storage_v1* t, void* i, wharf_error** e) {
    if (!WHARF_TABLE_HAS(t, list_page)) return WHARF_ERR_NOT_FOUND;  // an ABI 1.0 driver
    return t->list_page(
        i, "up/missing", "", 0, [](void*, const char*, const wharf_storage_stat*) { return 0; },
        nullptr, e);
  });
  EXPECT_EQ(missing, WHARF_ERR_NOT_FOUND);
}

TEST_P(StorageConformance, NotFoundCodes) {
  s_.put("present/file", "x");
  for (const char* p : {"absent", "present/absent", "present/file/below"}) {
    SCOPED_TRACE(p);
    std::string path = p;
    EXPECT_EQ(raw([&](const wharf_storage_v1* t, void* i, wharf_error** e) {
                wharf_storage_stat st{};
                return t->stat(i, path.c_str(), &st, e);
              }),
              WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(statusOf([&] { readRange(s_, path, 0, UINT64_MAX); }), WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(rawRemove(path), WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(rawList(path), WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(statusOf([&] { s_.move(path, "elsewhere"); }), WHARF_ERR_NOT_FOUND);
    // wharf::StorageClient is lossless; only its *IfExists / find / get conveniences answer
    // "nothing" for NOT_FOUND.
    EXPECT_EQ(statusOf([&] { s_.stat(path); }), WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(statusOf([&] { s_.list(path); }), WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(statusOf([&] { s_.listPage(path); }), WHARF_ERR_NOT_FOUND);
    EXPECT_EQ(statusOf([&] { s_.remove(path); }), WHARF_ERR_NOT_FOUND);
    EXPECT_FALSE(s_.find(path));
    EXPECT_FALSE(s_.get(path));
    EXPECT_TRUE(s_.listIfExists(path).empty());
    EXPECT_TRUE(s_.listPageIfExists(path).empty());
    EXPECT_FALSE(s_.removeIfExists(path));
  }
  EXPECT_EQ(s_.get("present/file"), "x");
  EXPECT_EQ(names(s_.list("")), std::vector<std::string>{"present/"});
}

TEST_P(StorageConformance, InvalidPaths) {
  s_.put("ok/file", "x");
  const std::vector<std::string> bad = {"/abs",  "/",    "..", ".",       "a/../b",
                                        "a/./b", "a//b", "a/", "./a",     "../a",
                                        "a/..",  "a/.",  "//", "ok//file"};
  for (const auto& p : bad) {
    SCOPED_TRACE("path '" + p + "'");
    EXPECT_EQ(statusOf([&] { s_.find(p); }), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf([&] { readRange(s_, p, 0, UINT64_MAX); }), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf([&] { s_.openWriter(p); }), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf([&] { s_.list(p); }), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf([&] { s_.remove(p); }), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf([&] { s_.move(p, "target"); }), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf([&] { s_.move("ok/file", p); }), WHARF_ERR_INVALID_ARGUMENT);
  }
  // The empty path is the root: it can be listed and stat'ed, not read, written or removed.
  EXPECT_EQ(statusOf([&] { readRange(s_, "", 0, 1); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { s_.openWriter(""); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { s_.remove(""); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { s_.move("", "x"); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { s_.move("ok/file", ""); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(s_.get("ok/file"), "x");
  EXPECT_EQ(names(s_.list("")), std::vector<std::string>{"ok/"});
}

TEST_P(StorageConformance, FileAndDirectoryConflicts) {
  s_.put("f", "file");
  s_.put("d/child", "c");
  EXPECT_NE(statusOf([&] { s_.put("f/below", "x"); }), WHARF_OK);
  EXPECT_NE(statusOf([&] { s_.put("d", "x"); }), WHARF_OK);
  EXPECT_EQ(s_.get("f"), "file");
  EXPECT_EQ(s_.get("d/child"), "c");
  EXPECT_FALSE(s_.exists("f/below"));
  EXPECT_EQ(names(s_.list("")), (std::vector<std::string>{"d/", "f"}));
}

TEST_P(StorageConformance, LocalPathWhenSupportedIsTheFile) {
  s_.put("lp/file", "local bytes");
  auto p = s_.localPath("lp/file");
  if (!p) GTEST_SKIP() << "driver has no local paths";
  ASSERT_FALSE(p->empty());
  EXPECT_EQ((*p)[0], '/');
  FILE* f = std::fopen(p->c_str(), "rb");
  ASSERT_NE(f, nullptr) << *p;
  char buf[64] = {};
  size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n), "local bytes");
}

TEST_P(StorageConformance, Concurrency) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 60;
  constexpr size_t kSharedSize = 3000;
  std::atomic<int> failures{0};
  auto fail = [&](const std::string& what) {
    if (failures++ < 5) ADD_FAILURE() << what;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::string own = "own/" + std::to_string(t);
        for (int r = 0; r < kRounds; ++r) {
          std::string value = pattern(t * 1000 + r, 0, 100 + r);
          s_.put(own, value);
          if (s_.get(own) != value) fail(own + ": read back a different value");
          // Every write of the shared key is one thread's byte repeated: a read must never mix.
          std::string shared(kSharedSize, static_cast<char>('A' + t));
          if (r % 3 == 0) {
            auto w = s_.openWriter("shared/key");
            w.write(shared.substr(0, 1000));
            w.write(shared.substr(1000));
            w.commit();
          }
          auto got = s_.get("shared/key");
          if (got && (got->size() != kSharedSize ||
                      got->find_first_not_of((*got)[0]) != std::string::npos))
            fail("torn read of shared/key");
          auto st = s_.find("shared/key");
          if (st && st->size != kSharedSize) fail("bad size of shared/key");
          if (r % 10 == 0) s_.list("own");
        }
      } catch (const std::exception& e) {
        fail(std::string("exception: ") + e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(s_.get("own/" + std::to_string(t)),
              pattern(t * 1000 + kRounds - 1, 0, 100 + kRounds - 1));
  EXPECT_EQ(s_.list("own").size(), size_t{kThreads});
}

TEST_P(StorageConformance, ConcurrentChurnInOneDirectory) {
  // Writers and removers race on one directory that keeps becoming empty (drivers that prune
  // empty directories must still commit every write).
  constexpr int kThreads = 8;
  constexpr int kRounds = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        std::string path = "churn/sub/" + std::to_string(t);
        try {
          s_.put(path, "v" + std::to_string(r));
          if (s_.get(path) != "v" + std::to_string(r)) {
            if (failures++ < 5) ADD_FAILURE() << path << ": wrong content";
          }
          if (!s_.removeIfExists(path)) {
            if (failures++ < 5) ADD_FAILURE() << path << ": not removed";
          }
          if (t == 0 && r % 8 == 0) s_.move("churn/sub/x", "churn/other/x");
        } catch (const Error& e) {
          if (e.code() != WHARF_ERR_NOT_FOUND || t != 0) {
            if (failures++ < 5) ADD_FAILURE() << path << ": " << e.what();
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_FALSE(s_.exists("churn/sub"));
}

TEST_P(StorageConformance, BigObjectStreamedInChunks) {
  constexpr size_t kChunk = 1 << 20;
  constexpr size_t kSize = 64 * kChunk;
  {
    auto w = s_.openWriter("big/object");
    for (size_t off = 0; off < kSize; off += kChunk) w.write(pattern(7, off, kChunk));
    EXPECT_EQ(w.written(), kSize);
    w.commit();
  }
  EXPECT_EQ(s_.find("big/object")->size, kSize);
  uint64_t pos = 0;
  bool same = true;
  s_.read("big/object", 0, UINT64_MAX, [&](const void* d, size_t n) {
    if (same && std::memcmp(d, pattern(7, pos, n).data(), n) != 0) same = false;
    pos += n;
    return true;
  });
  EXPECT_TRUE(same);
  EXPECT_EQ(pos, kSize);
  const uint64_t off = 33 * kChunk - 12345;
  EXPECT_EQ(readRange(s_, "big/object", off, 100000), pattern(7, off, 100000));
  EXPECT_EQ(readRange(s_, "big/object", kSize - 10, UINT64_MAX), pattern(7, kSize - 10, 10));
  EXPECT_TRUE(s_.removeIfExists("big/object"));
}

INSTANTIATE_TEST_SUITE_P(Drivers, StorageConformance, ::testing::ValuesIn(storageSetups()),
                         [](const ::testing::TestParamInfo<StorageSetup>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace wharf::test

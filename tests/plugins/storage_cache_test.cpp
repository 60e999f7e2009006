// storage-cache specifics: hit/miss/eviction metrics, the byte bound, invalidation, the
// only-writer contract and the fill tickets of LruCache.
#include <gtest/gtest.h>

#include "lru_cache.hpp"
#include "storage_env.hpp"
#include "storage_test_util.hpp"

namespace wharf::test {
namespace {

class CacheDriverTest : public ::testing::Test {
 protected:
  void SetUp() override { host_.setLogLevel(WHARF_LOG_INFO); }
  // A memory backend "mem" and the cache "cache" over it.
  void make(std::map<std::string, std::string> values = {}) {
    env_.add(memoryModule(), {}, "mem");
    values["backend"] = "mem";
    env_.add(cacheModule(), values, "cache");
    cache_ = env_.client("cache");
    backend_ = env_.client("mem");
  }
  double metric(const std::string& name) {
    return host_.value("wharf_storage_cache_" + name, {{"instance", "cache"}});
  }
  double hits() { return metric("hits_total"); }
  double misses() { return metric("misses_total"); }
  double evictions() { return metric("evictions_total"); }
  double bytes() { return metric("bytes"); }

  TestHost host_;
  StorageEnv env_{host_};
  StorageClient cache_, backend_;
};

TEST_F(CacheDriverTest, Descriptor) {
  const wharf_plugin& p = loadPlugin(cacheModule(), host_.api());
  EXPECT_STREQ(p.name, "storage-cache");
  std::map<std::string, const wharf_config_key*> keys;
  for (size_t i = 0; i < p.config_key_count; ++i) keys[p.config_keys[i].name] = &p.config_keys[i];
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys["backend"]->type, WHARF_KEY_INSTANCE);
  EXPECT_EQ(keys["backend"]->ref_kind, WHARF_KIND_STORAGE);
  EXPECT_TRUE(keys["backend"]->flags & WHARF_KEY_REQUIRED);
  EXPECT_EQ(normaliseValue(*keys["max_bytes"], keys["max_bytes"]->default_value), "67108864");
  EXPECT_EQ(normaliseValue(*keys["max_object_bytes"], keys["max_object_bytes"]->default_value),
            "1048576");
}

TEST_F(CacheDriverTest, UnknownBackendFailsCreate) {
  try {
    env_.add(cacheModule(), {{"backend", "nope"}}, "cache");
    FAIL() << "created a cache over a missing backend";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("no storage instance 'nope'"), std::string::npos)
        << e.what();
  }
}

TEST_F(CacheDriverTest, BackendErrorsPassThroughWithTheirMessages) {
  env_.add(memoryModule(), {{"max_bytes", "10"}}, "mem");
  env_.add(cacheModule(), {{"backend", "mem"}}, "cache");
  const wharf_storage_v1* t = env_.table();
  wharf_storage_writer* w = nullptr;
  wharf_error* err = nullptr;
  ASSERT_EQ(t->open_writer(env_.handle(), "x", 0, &w, &err), WHARF_OK);
  EXPECT_EQ(t->write(w, "0123456789abc", 13, &err), WHARF_ERR_NO_SPACE);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err->message).find("budget"), std::string::npos) << err->message;
  wharf_error_release(err);
  err = nullptr;
  t->cancel(w);
  EXPECT_EQ(t->remove(env_.handle(), "absent", &err), WHARF_ERR_NOT_FOUND);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err->message).find("absent"), std::string::npos) << err->message;
  wharf_error_release(err);
}

TEST_F(CacheDriverTest, MetricsExistFromTheStart) {
  make();
  EXPECT_EQ(host_.metric("wharf_storage_cache_hits_total", {{"instance", "cache"}}), 0.0);
  EXPECT_EQ(host_.metric("wharf_storage_cache_misses_total", {{"instance", "cache"}}), 0.0);
  EXPECT_EQ(host_.metric("wharf_storage_cache_evictions_total", {{"instance", "cache"}}), 0.0);
  EXPECT_EQ(host_.metric("wharf_storage_cache_bytes", {{"instance", "cache"}}), 0.0);
}

TEST_F(CacheDriverTest, HitsAndMisses) {
  make({{"max_object_bytes", "100"}});
  cache_.put("small", "0123456789");
  EXPECT_EQ(cache_.get("small"), "0123456789");  // miss: filled
  EXPECT_EQ(misses(), 1);
  EXPECT_EQ(hits(), 0);
  EXPECT_EQ(bytes(), 10);
  EXPECT_EQ(cache_.get("small"), "0123456789");
  EXPECT_EQ(readRange(cache_, "small", 2, 3), "234");
  EXPECT_EQ(cache_.find("small")->size, 10u);
  EXPECT_EQ(hits(), 3);
  EXPECT_EQ(misses(), 1);

  // A stat miss fills too, so the read after it is a hit.
  cache_.put("other", "abc");
  EXPECT_EQ(cache_.find("other")->size, 3u);
  EXPECT_EQ(misses(), 2);
  EXPECT_EQ(cache_.get("other"), "abc");
  EXPECT_EQ(hits(), 4);
  EXPECT_EQ(bytes(), 13);

  // Large objects and directories are never cached.
  cache_.put("dir/large", std::string(101, 'L'));
  EXPECT_EQ(cache_.get("dir/large")->size(), 101u);
  EXPECT_EQ(cache_.get("dir/large")->size(), 101u);
  EXPECT_TRUE(cache_.find("dir")->is_dir);
  EXPECT_EQ(misses(), 5);
  EXPECT_EQ(hits(), 4);
  EXPECT_EQ(bytes(), 13);

  // Absent objects are misses with NOT_FOUND.
  EXPECT_EQ(cache_.get("absent"), std::nullopt);
  EXPECT_EQ(misses(), 6);
}

TEST_F(CacheDriverTest, EvictionAtTheByteBound) {
  make({{"max_bytes", "1000"}, {"max_object_bytes", "400"}});
  cache_.put("a", std::string(400, 'a'));
  cache_.put("b", std::string(400, 'b'));
  cache_.put("c", std::string(400, 'c'));
  cache_.put("d", std::string(300, 'd'));
  cache_.get("a");
  cache_.get("b");
  EXPECT_EQ(bytes(), 800);
  EXPECT_EQ(evictions(), 0);
  cache_.get("a");  // a becomes the most recently used
  cache_.get("c");  // evicts b
  EXPECT_EQ(evictions(), 1);
  EXPECT_EQ(bytes(), 800);
  double m = misses(), h = hits();
  cache_.get("a");
  EXPECT_EQ(hits(), h + 1);
  cache_.get("b");  // was evicted: a miss, evicts c (a was used after c)
  EXPECT_EQ(misses(), m + 1);
  EXPECT_EQ(evictions(), 2);
  cache_.get("a");
  EXPECT_EQ(hits(), h + 2);
  cache_.get("d");  // 300 more: evicts b (LRU) -> a + d
  EXPECT_EQ(evictions(), 3);
  EXPECT_EQ(bytes(), 700);
}

TEST_F(CacheDriverTest, ObjectsLargerThanTheWholeCacheAreNotCached) {
  make({{"max_bytes", "100"}, {"max_object_bytes", "1000"}});
  cache_.put("x", std::string(50, 'x'));
  cache_.get("x");
  cache_.put("y", std::string(200, 'y'));
  EXPECT_EQ(cache_.get("y")->size(), 200u);
  EXPECT_EQ(evictions(), 0);
  EXPECT_EQ(bytes(), 50);
}

TEST_F(CacheDriverTest, WritesThroughTheCacheInvalidate) {
  make();
  cache_.put("m", "v1");
  EXPECT_EQ(cache_.get("m"), "v1");
  cache_.put("m", "v2, longer");
  EXPECT_EQ(cache_.get("m"), "v2, longer");
  EXPECT_EQ(cache_.find("m")->size, 10u);
  {
    auto w = cache_.openWriter("m");
    w.write("v2, longer+");
    EXPECT_EQ(cache_.get("m"), "v2, longer");  // not committed yet
    w.commit();
  }
  EXPECT_EQ(cache_.get("m"), "v2, longer+");
  {
    auto w = cache_.openWriter("m");
    w.write("cancelled");
  }
  EXPECT_EQ(cache_.get("m"), "v2, longer+");
  EXPECT_EQ(bytes(), 11);
}

TEST_F(CacheDriverTest, MoveAndRemoveInvalidate) {
  make();
  cache_.put("from", "F");
  cache_.put("to", "T");
  cache_.get("from");
  cache_.get("to");
  cache_.move("from", "to");
  EXPECT_EQ(cache_.get("to"), "F");
  EXPECT_EQ(cache_.get("from"), std::nullopt);

  cache_.put("dir/a", "A");
  cache_.put("dir/sub/b", "B");
  cache_.put("dirx", "X");
  cache_.get("dir/a");
  cache_.get("dir/sub/b");
  cache_.get("dirx");
  cache_.move("dir", "moved");
  EXPECT_EQ(cache_.get("dir/a"), std::nullopt);
  EXPECT_FALSE(cache_.exists("dir/sub/b"));
  EXPECT_EQ(cache_.get("moved/sub/b"), "B");
  EXPECT_EQ(cache_.get("dirx"), "X");

  cache_.get("moved/a");
  EXPECT_TRUE(cache_.removeIfExists("moved"));
  EXPECT_EQ(cache_.get("moved/a"), std::nullopt);
  EXPECT_EQ(cache_.get("moved/sub/b"), std::nullopt);
  EXPECT_TRUE(cache_.removeIfExists("to"));
  EXPECT_FALSE(cache_.exists("to"));
  // Only "dirx" is left cached.
  EXPECT_EQ(bytes(), 1);
}

TEST_F(CacheDriverTest, DirectBackendWritesAreNotSeen) {
  // Documented contract: the cache must be the only writer of its backend.
  make();
  cache_.put("k", "through the cache");
  EXPECT_EQ(cache_.get("k"), "through the cache");
  backend_.put("k", "behind its back");
  EXPECT_EQ(cache_.get("k"), "through the cache");  // stale, by design
  backend_.remove("k");
  EXPECT_TRUE(cache_.exists("k"));  // still stale
  // Any change through the cache drops the stale entry.
  EXPECT_FALSE(cache_.removeIfExists("k"));
  EXPECT_FALSE(cache_.exists("k"));
}

TEST_F(CacheDriverTest, ListAndLocalPathPassThrough) {
  std::string root = env_.tempDir();
  env_.add(fsModule(), {{"root", root}}, "disk");
  env_.add(cacheModule(), {{"backend", "disk"}}, "cache");
  auto s = env_.client();
  s.put("a/b", "x");
  EXPECT_EQ(s.localPath("a/b"), root + "/a/b");
  EXPECT_EQ(names(s.list("a")), std::vector<std::string>{"b"});
  EXPECT_EQ(s.redirectUrl("a/b", "GET"), std::nullopt);
}

TEST(LruCacheTest, StaleFillsAreNotStored) {
  cache::LruCache c(1000);
  auto obj = [](const char* s) {
    return cache::CachedObject{std::make_shared<const std::string>(s), 1};
  };
  uint64_t t1 = c.beginFill("a/b");
  uint64_t t2 = c.beginFill("ab/c");
  uint64_t t3 = c.beginFill("x");
  c.invalidate("a");  // covers a/b, not ab/c
  EXPECT_FALSE(c.finishFill(t1, obj("old"), nullptr));
  EXPECT_TRUE(c.finishFill(t2, obj("fresh"), nullptr));
  c.invalidate("x");
  EXPECT_FALSE(c.finishFill(t3, obj("old"), nullptr));
  EXPECT_FALSE(c.get("a/b"));
  ASSERT_TRUE(c.get("ab/c"));
  EXPECT_EQ(*c.get("ab/c")->data, "fresh");
  EXPECT_FALSE(c.get("x"));
  uint64_t t4 = c.beginFill("y");
  c.abandonFill(t4);
  EXPECT_FALSE(c.finishFill(t4, obj("late"), nullptr));
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.bytes(), 5u);
}

TEST(LruCacheTest, EvictsLeastRecentlyUsed) {
  cache::LruCache c(10);
  auto put = [&](const std::string& k, size_t n) {
    uint64_t ev = 0;
    c.finishFill(c.beginFill(k), {std::make_shared<const std::string>(n, 'x'), 0}, &ev);
    return ev;
  };
  EXPECT_EQ(put("a", 4), 0u);
  EXPECT_EQ(put("b", 4), 0u);
  c.get("a");
  EXPECT_EQ(put("c", 4), 1u);  // b goes
  EXPECT_FALSE(c.get("b"));
  EXPECT_TRUE(c.get("a"));
  EXPECT_EQ(put("d", 10), 2u);  // everything goes
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(put("d", 3), 0u);  // replacing an entry frees its bytes first
  EXPECT_EQ(c.bytes(), 3u);
  EXPECT_EQ(put("e", 11), 0u);  // larger than the bound: not stored
  EXPECT_EQ(c.bytes(), 3u);
}

}  // namespace
}  // namespace wharf::test

// storage-memory specifics: the max_bytes budget and the module descriptor.
#include <gtest/gtest.h>

#include <cstring>

#include "storage_env.hpp"
#include "storage_test_util.hpp"

namespace wharf::test {
namespace {

class MemoryDriverTest : public ::testing::Test {
 protected:
  StorageClient make(const std::map<std::string, std::string>& values) {
    env_.add(memoryModule(), values);
    return env_.client();
  }
  TestHost host_;
  StorageEnv env_{host_};
};

TEST_F(MemoryDriverTest, Descriptor) {
  const wharf_plugin& p = loadPlugin(memoryModule(), host_.api());
  EXPECT_STREQ(p.name, "storage-memory");
  EXPECT_EQ(p.kind, WHARF_KIND_STORAGE);
  ASSERT_EQ(p.config_key_count, 1u);
  EXPECT_STREQ(p.config_keys[0].name, "max_bytes");
  EXPECT_EQ(p.config_keys[0].type, WHARF_KEY_SIZE);
}

TEST_F(MemoryDriverTest, UnknownKeyIsRefused) {
  EXPECT_THROW(make({{"root", "/tmp"}}), std::invalid_argument);
}

TEST_F(MemoryDriverTest, MaxBytesLimitsCommittedAndPendingBytes) {
  auto s = make({{"max_bytes", "1K"}});
  s.put("a", std::string(600, 'a'));
  EXPECT_EQ(statusOf([&] { s.put("b", std::string(600, 'b')); }), WHARF_ERR_NO_SPACE);
  EXPECT_FALSE(s.exists("b"));
  {
    auto w = s.openWriter("c");
    w.write(std::string(400, 'c'));
    // The pending 400 bytes count as well.
    EXPECT_EQ(statusOf([&] { s.put("d", std::string(100, 'd')); }), WHARF_ERR_NO_SPACE);
  }  // cancelled: its bytes are released
  s.put("d", std::string(400, 'd'));
  // Replacing an object releases the old bytes at commit.
  EXPECT_TRUE(s.removeIfExists("d"));
  s.put("a", std::string(100, 'a'));
  s.put("e", std::string(900, 'e'));
  EXPECT_EQ(statusOf([&] { s.put("f", std::string(25, 'f')); }), WHARF_ERR_NO_SPACE);
  EXPECT_TRUE(s.removeIfExists("e"));
  {
    auto w = s.openWriter("a");  // replaces a's 100 bytes at commit
    w.write(std::string(200, 'x'));
    w.commit();
  }
  EXPECT_EQ(s.find("a")->size, 200u);
  s.put("g", std::string(800, 'g'));  // 200 + 800 = 1000 <= 1024
  EXPECT_EQ(statusOf([&] { s.put("h", std::string(25, 'h')); }), WHARF_ERR_NO_SPACE);
  s.move("g", "a");  // replacing a releases its 200 bytes
  s.put("h", std::string(200, 'h'));
}

TEST_F(MemoryDriverTest, NoSpaceErrorCrossesTheAbiWithAMessage) {
  make({{"max_bytes", "10"}});
  const wharf_storage_v1* t = env_.table();
  wharf_storage_writer* w = nullptr;
  wharf_error* err = nullptr;
  ASSERT_EQ(t->open_writer(env_.handle(), "x", 0, &w, &err), WHARF_OK);
  EXPECT_EQ(t->write(w, "0123456789abc", 13, &err), WHARF_ERR_NO_SPACE);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::strstr(err->message, "budget"), nullptr) << err->message;
  wharf_error_release(err);
  t->cancel(w);
}

TEST_F(MemoryDriverTest, NoLocalPath) {
  auto s = make({});
  s.put("a", "x");
  EXPECT_EQ(s.localPath("a"), std::nullopt);
  EXPECT_EQ(s.redirectUrl("a", "GET"), std::nullopt);
}

TEST(PluginConfigTest, NormalisesLikeTheHost) {
  wharf_config_key size{"s", WHARF_KEY_SIZE, 0, {}, nullptr, nullptr, nullptr};
  wharf_config_key dur{"d", WHARF_KEY_DURATION, 0, {}, nullptr, nullptr, nullptr};
  wharf_config_key b{"b", WHARF_KEY_BOOL, 0, {}, nullptr, nullptr, nullptr};
  EXPECT_EQ(normaliseValue(size, "64M"), "67108864");
  EXPECT_EQ(normaliseValue(size, "1k"), "1024");
  EXPECT_EQ(normaliseValue(size, "12"), "12");
  EXPECT_EQ(normaliseValue(dur, "2h"), "7200");
  EXPECT_EQ(normaliseValue(dur, "1500ms"), "1.5");  // as wharfd: not truncated to 1
  EXPECT_EQ(normaliseValue(b, "Yes"), "true");
  EXPECT_EQ(normaliseValue(b, "off"), "false");
  EXPECT_THROW(normaliseValue(size, "lots"), std::invalid_argument);
}

TEST(StorageSetupsTest, ParsesExtraModules) {
  StorageSetup s = parseExtraSetup("/x/lib/libwharf-example-kv.so:dir=@TMP@,a=b");
  EXPECT_EQ(s.name, "extra_example_kv");
  EXPECT_THROW(parseExtraSetup("/x/y.so:novalue"), std::invalid_argument);
}

}  // namespace
}  // namespace wharf::test

// storage-fs specifics: plain-file layout, temp files and crashes, reserved tmp_dir, errno
// mapping and disk-full behaviour (on a small tmpfs when mounting is allowed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fs_errors.hpp"
#include "storage_env.hpp"
#include "storage_test_util.hpp"

namespace wharf::test {
namespace {

namespace stdfs = std::filesystem;

std::string slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& file, const std::string& data) {
  stdfs::create_directories(stdfs::path(file).parent_path());
  std::ofstream(file, std::ios::binary) << data;
}

// Entries of `dir`, the tmp dir's lock file (held by every live driver) aside.
size_t countEntries(const std::string& dir) {
  size_t n = 0;
  for (auto& e : stdfs::directory_iterator(dir)) n += e.path().filename() != ".in-use.lock";
  return n;
}

class FsDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.setLogLevel(WHARF_LOG_INFO);
    root_ = env_.tempDir();
  }
  StorageClient make(std::map<std::string, std::string> values = {},
                     const std::string& name = "fs") {
    if (!values.count("root")) values["root"] = root_;
    env_.add(fsModule(), values, name);
    return env_.client();
  }
  TestHost host_;
  StorageEnv env_{host_};
  std::string root_;
};

TEST_F(FsDriverTest, Descriptor) {
  const wharf_plugin& p = loadPlugin(fsModule(), host_.api());
  EXPECT_STREQ(p.name, "storage-fs");
  std::map<std::string, const wharf_config_key*> keys;
  for (size_t i = 0; i < p.config_key_count; ++i) keys[p.config_keys[i].name] = &p.config_keys[i];
  ASSERT_EQ(keys.size(), 6u);
  EXPECT_EQ(keys["root"]->type, WHARF_KEY_DIR);
  EXPECT_TRUE(keys["root"]->flags & WHARF_KEY_REQUIRED);
  EXPECT_EQ(keys["fsync"]->type, WHARF_KEY_BOOL);
  EXPECT_STREQ(keys["fsync"]->default_value, "true");
  EXPECT_EQ(keys["direct_io"]->type, WHARF_KEY_BOOL);
  EXPECT_STREQ(keys["direct_io"]->default_value, "true");
  EXPECT_EQ(keys["direct_io_from"]->type, WHARF_KEY_SIZE);
  EXPECT_STREQ(keys["direct_io_from"]->default_value, "64M");
  EXPECT_STREQ(keys["tmp_dir"]->default_value, ".wharf-tmp");
  EXPECT_EQ(keys["stale_tmp_age"]->type, WHARF_KEY_DURATION);
  EXPECT_STREQ(keys["stale_tmp_age"]->default_value, "3600");
}

TEST_F(FsDriverTest, RootIsRequired) {
  const wharf_plugin& p = loadPlugin(fsModule(), host_.api());
  EXPECT_THROW(PluginConfig(p, "fs", {}), std::invalid_argument);
}

TEST_F(FsDriverTest, TreeLayoutIsPlainFiles) {
  auto s = make();
  const std::string key = "docker/registry/v2/blobs/sha256/ab/abcd/data";
  s.put(key, "layer bytes");
  EXPECT_EQ(slurp(root_ + "/" + key), "layer bytes");
  EXPECT_TRUE(stdfs::is_regular_file(root_ + "/" + key));
  EXPECT_EQ(s.localPath(key), root_ + "/" + key);
  // No other files than the object and the (empty) tmp dir.
  size_t files = 0;
  for (auto& e : stdfs::recursive_directory_iterator(root_))
    if (e.is_regular_file() && e.path().filename() != ".in-use.lock") ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(countEntries(root_ + "/.wharf-tmp"), 0u);

  // The reverse: a tree written by another program (distribution) is served as is.
  const std::string link =
      "docker/registry/v2/repositories/alpine/_manifests/tags/latest/current/link";
  spit(root_ + "/" + link, "sha256:abcd");
  EXPECT_EQ(s.get(link), "sha256:abcd");
  EXPECT_EQ(names(s.list("docker/registry/v2")),
            (std::vector<std::string>{"blobs/", "repositories/"}));
}

TEST_F(FsDriverTest, RelativeRootIsMadeAbsolute) {
  std::string cwd = stdfs::current_path();
  stdfs::current_path(root_);
  auto s = make({{"root", "sub/dir"}});
  stdfs::current_path(cwd);
  s.put("x", "1");
  EXPECT_EQ(s.localPath("x"), root_ + "/sub/dir/x");
}

TEST_F(FsDriverTest, TmpDirIsReservedAndNeverListed) {
  auto s = make();
  EXPECT_EQ(names(s.list("")), std::vector<std::string>{});
  EXPECT_TRUE(stdfs::is_directory(root_ + "/.wharf-tmp"));
  for (const char* p : {".wharf-tmp", ".wharf-tmp/x"}) {
    EXPECT_EQ(statusOf([&] { s.find(p); }), WHARF_ERR_INVALID_ARGUMENT) << p;
    EXPECT_EQ(statusOf([&] { s.put(p, "x"); }), WHARF_ERR_INVALID_ARGUMENT) << p;
    EXPECT_EQ(statusOf([&] { s.remove(p); }), WHARF_ERR_INVALID_ARGUMENT) << p;
  }
  s.put("sub/.wharf-tmp", "only reserved at the root");
  EXPECT_EQ(s.get("sub/.wharf-tmp"), "only reserved at the root");
}

TEST_F(FsDriverTest, CustomTmpDir) {
  auto s = make({{"tmp_dir", "_pending"}});
  {
    auto w = s.openWriter("obj");
    w.write("x");
    EXPECT_EQ(countEntries(root_ + "/_pending"), 1u);
    EXPECT_EQ(names(s.list("")), std::vector<std::string>{});
    w.commit();
  }
  EXPECT_EQ(countEntries(root_ + "/_pending"), 0u);
  EXPECT_EQ(names(s.list("")), std::vector<std::string>{"obj"});
}

TEST_F(FsDriverTest, TmpDirMustBeOneName) {
  EXPECT_EQ(statusOf([&] { make({{"tmp_dir", "a/b"}}); }), WHARF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(statusOf([&] { make({{"tmp_dir", ".."}}); }), WHARF_ERR_INVALID_ARGUMENT);
}

TEST_F(FsDriverTest, CrashedWriterIsNeverVisible) {
  auto s = make();
  s.put("blobs/data", "committed");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child dies in the middle of two writes: no commit, no cancel, no destructor.
    auto w = s.openWriter("blobs/data");
    w.write("half written");
    auto w2 = s.openWriter("blobs/new");
    w2.write("new");
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(s.get("blobs/data"), "committed");
  EXPECT_FALSE(s.exists("blobs/new"));
  EXPECT_EQ(names(s.list("blobs")), std::vector<std::string>{"data"});
  EXPECT_EQ(countEntries(root_ + "/.wharf-tmp"), 2u);  // the leaked temp files

  // With a driver alive on the directory (`s`), a new one with the default age keeps young temp
  // files (that driver may own them)...
  make({}, "fs2");
  EXPECT_EQ(countEntries(root_ + "/.wharf-tmp"), 2u);
  // ...and one with a zero age removes them.
  make({{"stale_tmp_age", "0"}}, "fs3");
  EXPECT_EQ(countEntries(root_ + "/.wharf-tmp"), 0u);
  EXPECT_EQ(env_.client().get("blobs/data"), "committed");
}

TEST_F(FsDriverTest, AloneOnTheTmpDirADriverRemovesEveryTempFileAtStart) {
  // Debris of a crash used to stay for stale_tmp_age (an hour) although no upload could own it.
  stdfs::create_directories(root_ + "/.wharf-tmp");
  spit(root_ + "/.wharf-tmp/w-young", "young");
  spit(root_ + "/.wharf-tmp/in-progress-in-a-dead-process", "x");
  auto s = make();
  EXPECT_EQ(countEntries(root_ + "/.wharf-tmp"), 0u);
  s.put("obj", "still works");
  EXPECT_EQ(s.get("obj"), "still works");
}

TEST_F(FsDriverTest, StaleTempFilesAreRemovedByAge) {
  make({}, "holder");  // another live driver on the same tmp dir: only stale files may go
  stdfs::create_directories(root_ + "/.wharf-tmp/rm-old-dir/sub");
  spit(root_ + "/.wharf-tmp/w-old", "old");
  spit(root_ + "/.wharf-tmp/w-young", "young");
  struct timespec times[2] = {{time(nullptr) - 7200, 0}, {time(nullptr) - 7200, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (root_ + "/.wharf-tmp/w-old").c_str(), times, 0), 0);
  ASSERT_EQ(utimensat(AT_FDCWD, (root_ + "/.wharf-tmp/rm-old-dir").c_str(), times, 0), 0);
  make({{"stale_tmp_age", "1h"}});
  EXPECT_FALSE(stdfs::exists(root_ + "/.wharf-tmp/w-old"));
  EXPECT_FALSE(stdfs::exists(root_ + "/.wharf-tmp/rm-old-dir"));
  EXPECT_TRUE(stdfs::exists(root_ + "/.wharf-tmp/w-young"));
  bool logged = false;
  for (auto& l : host_.logs()) logged |= l.find("removed 2 stale") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(FsDriverTest, AReplacementLeavesTheCommittedFileUntouchedUntilCommit) {
  auto s = make();
  s.put("_uploads/u/data", "part one;");
  struct stat before {};
  ASSERT_EQ(::stat((root_ + "/_uploads/u/data").c_str(), &before), 0);
  auto w = s.openWriter("_uploads/u/data");
  w.write("part two;");
  struct stat during {};
  ASSERT_EQ(::stat((root_ + "/_uploads/u/data").c_str(), &during), 0);
  EXPECT_EQ(during.st_ino, before.st_ino);
  EXPECT_EQ(slurp(root_ + "/_uploads/u/data"), "part one;");
  w.commit();
  EXPECT_EQ(slurp(root_ + "/_uploads/u/data"), "part two;");
}

TEST_F(FsDriverTest, EmptyParentsArePrunedButNotTheRoot) {
  auto s = make();
  s.put("a/b/c/file", "x");
  s.put("a/keep", "y");
  EXPECT_TRUE(s.removeIfExists("a/b/c/file"));
  EXPECT_FALSE(stdfs::exists(root_ + "/a/b"));
  EXPECT_TRUE(stdfs::exists(root_ + "/a/keep"));
  s.move("a/keep", "z/moved");
  EXPECT_FALSE(stdfs::exists(root_ + "/a"));
  EXPECT_TRUE(stdfs::is_directory(root_));
  EXPECT_TRUE(s.removeIfExists("z"));
  EXPECT_TRUE(stdfs::is_directory(root_));
  EXPECT_EQ(countEntries(root_), 1u);  // only the tmp dir
}

TEST_F(FsDriverTest, ErrorsNameThePathAndTheSystemError) {
  auto s = make();
  EXPECT_EQ(s.get("missing/object"), std::nullopt);
  try {
    readRange(s, "missing/object", 0, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_NOT_FOUND);
    std::string m = e.what();
    EXPECT_NE(m.find(root_ + "/missing/object"), std::string::npos) << m;
    EXPECT_NE(m.find("No such file or directory"), std::string::npos) << m;
  }
}

TEST_F(FsDriverTest, NoFsyncStillCommitsAtomically) {
  auto s = make({{"fsync", "off"}});
  auto w = s.openWriter("x");
  w.write("data");
  EXPECT_FALSE(s.exists("x"));
  w.commit();
  EXPECT_EQ(s.get("x"), "data");
}

// Pages of `file` that are in the page cache, and all its pages (mincore(2)).
std::pair<size_t, size_t> residentPages(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << file;
  struct stat st {};
  ::fstat(fd, &st);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t size = static_cast<size_t>(st.st_size), pages = (size + page - 1) / page;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  EXPECT_NE(map, MAP_FAILED);
  std::vector<unsigned char> in(pages);
  EXPECT_EQ(::mincore(map, size, in.data()), 0);
  ::munmap(map, size);
  size_t resident = 0;
  for (unsigned char v : in) resident += v & 1;
  return {resident, pages};
}

// Whether the file system under `dir` takes an aligned O_DIRECT write.
bool directIoWorksIn(const std::string& dir) {
  const std::string probe = dir + "/.direct-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
  bool ok = false;
  if (fd >= 0) {
    void* block = nullptr;
    if (posix_memalign(&block, 4096, 4096) == 0) {
      std::memset(block, 0, 4096);
      ok = ::pwrite(fd, block, 4096, 0) == 4096;
      std::free(block);
    }
    ::close(fd);
  }
  ::unlink(probe.c_str());
  if (!ok) std::cout << "O_DIRECT is refused under " << dir << ": page-cache checks skipped\n";
  return ok;
}

std::string pattern(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 12345;
  for (char& c : out) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  return out;
}

// 5 MiB + 4097 bytes in odd-sized writes with direct_io_from = 1M: the first MiB is written
// through the page cache, the two 2 MiB stages that fill after it go out with O_DIRECT and never
// enter it, the tail is written buffered. With direct_io off every page is cached.
TEST_F(FsDriverTest, DirectIoWritesLargeObjectsPastThePageCache) {
  const std::string data = pattern((5u << 20) + 4097);
  size_t cached[2] = {};
  for (bool direct : {true, false}) {
    auto s = make({{"direct_io", direct ? "true" : "false"}, {"direct_io_from", "1048576"}},
                  direct ? "direct" : "buffered");
    const std::string path = direct ? "big/direct" : "big/buffered";
    auto w = s.openWriter(path);
    for (size_t at = 0; at < data.size(); at += 100003) w.write(data.substr(at, 100003));
    EXPECT_EQ(w.written(), data.size());
    w.commit();
    auto [resident, pages] = residentPages(root_ + "/" + path);
    cached[direct] = resident;
    if (direct && directIoWorksIn(root_)) {
      EXPECT_LE(resident, pages - 1024) << "4 MiB went out with O_DIRECT";
      EXPECT_GE(resident, 256u) << "the first MiB is cached";
    }
    EXPECT_EQ(s.get(path), data);
  }
  if (directIoWorksIn(root_)) {
    EXPECT_GT(cached[false], cached[true] + 1000);
  }
}

// tmpfs refuses O_DIRECT before Linux 6.6 (the writer then falls back to buffered writes) and
// takes it since: either way the object is intact.
TEST_F(FsDriverTest, DirectIoOnTmpfsKeepsObjectsIntact) {
  if (::access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no writable /dev/shm (tmpfs) here";
  const std::string root = "/dev/shm/wharf-direct-" + std::to_string(::getpid());
  auto s = make({{"root", root}, {"direct_io", "true"}, {"direct_io_from", "0"}});
  const std::string data = pattern((3u << 20) + 5);
  auto w = s.openWriter("o");
  w.write(data.substr(0, 1000));
  w.write(data.substr(1000));
  w.commit();
  EXPECT_EQ(s.get("o"), data);
  stdfs::remove_all(root);
}

TEST_F(FsDriverTest, HealthReportsAMissingRoot) {
  make();
  const wharf_plugin& p = loadPlugin(fsModule(), host_.api());
  wharf_error* err = nullptr;
  EXPECT_EQ(p.health(env_.handle(), &err), WHARF_OK);
  stdfs::remove_all(root_);
  EXPECT_EQ(p.health(env_.handle(), &err), WHARF_ERR_UNAVAILABLE);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err->message).find(root_), std::string::npos);
  wharf_error_release(err);
}

TEST(FsErrnoTest, Mapping) {
  EXPECT_EQ(fs::statusForErrno(ENOENT), WHARF_ERR_NOT_FOUND);
  EXPECT_EQ(fs::statusForErrno(ENOSPC), WHARF_ERR_NO_SPACE);
  EXPECT_EQ(fs::statusForErrno(EDQUOT), WHARF_ERR_NO_SPACE);
  EXPECT_EQ(fs::statusForErrno(EACCES), WHARF_ERR_PERMISSION);
  EXPECT_EQ(fs::statusForErrno(EPERM), WHARF_ERR_PERMISSION);
  EXPECT_EQ(fs::statusForErrno(ENOTDIR), WHARF_ERR_EXISTS);
  EXPECT_EQ(fs::statusForErrno(EISDIR), WHARF_ERR_EXISTS);
  EXPECT_EQ(fs::statusForErrno(EIO), WHARF_ERR_IO);
  EXPECT_EQ(fs::statusForErrno(EMFILE), WHARF_ERR_IO);
  try {
    fs::throwErrno(ENOTDIR, "stat", "/r/a/b", /*lookup=*/true);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_NOT_FOUND);
    EXPECT_STREQ(e.what(), "stat '/r/a/b': Not a directory");
  }
}

// A 1 MiB tmpfs mounted for the test; skipped when mounting is not permitted.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& dir) : dir_(dir) {
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m") == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST_F(FsDriverTest, DiskFull) {
  SmallTmpfs tmpfs(root_);
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  {
    auto s = make();
    s.put("small", std::string(1000, 's'));
    wharf_status st = statusOf([&] {
      auto w = s.openWriter("big");
      std::string chunk(64 << 10, 'b');
      for (int i = 0; i < 32; ++i) w.write(chunk);  // 2 MiB into 1 MiB
      w.commit();
    });
    EXPECT_EQ(st, WHARF_ERR_NO_SPACE);
    EXPECT_FALSE(s.exists("big"));
    EXPECT_EQ(s.get("small"), std::string(1000, 's'));
    EXPECT_EQ(countEntries(root_ + "/.wharf-tmp"), 0u);  // the failed writer's temp is gone
    s.put("after", "space is back");
    EXPECT_EQ(s.get("after"), "space is back");
  }
}

// Past the drain deadline (wharf_host_api.stopping) a long read ends with CANCELLED after the
// chunk in hand instead of streaming the rest of a multi-gigabyte blob.
TEST_F(FsDriverTest, LongReadEndsWhenTheHostIsStopping) {
  StorageClient s = make();
  s.put("big", std::string(8 << 20, 'b'));
  size_t chunks = 0, bytes = 0;
  try {
    s.read("big", 0, UINT64_MAX, [&](const void*, size_t n) {
      ++chunks;
      bytes += n;
      host_.setStopping(true);
      return true;
    });
    FAIL() << "read all " << bytes << " bytes while the host was stopping";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_CANCELLED) << e.what();
    EXPECT_NE(std::string(e.what()).find("stopping"), std::string::npos) << e.what();
  }
  EXPECT_EQ(chunks, 1u);
  EXPECT_LT(bytes, size_t{8 << 20});
  host_.setStopping(false);
  EXPECT_EQ(s.get("big")->size(), size_t{8 << 20});  // before the deadline, reads are whole
}

}  // namespace
}  // namespace wharf::test

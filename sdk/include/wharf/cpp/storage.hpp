// Storage plugins in C++: the StorageDriver base class with WHARF_STORAGE_PLUGIN, and
// StorageClient, which calls any storage instance through its C table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "wharf/cpp/plugin.hpp"
#include "wharf/storage.h"

namespace wharf {

struct StorageStat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool is_dir = false;
};

struct StorageEntry {
  std::string name;
  bool is_dir = false;
};

// One entry of a paged listing (list_page): its name and its stat.
struct StorageListing {
  std::string name;
  StorageStat stat;
};

namespace detail {

// A list_page answer made from list() and one stat per entry, for a driver without a cheaper
// way: sorted by name, after `start_after`, at most `limit` (0 = all). `stat_of(path)` returns
// std::optional<StorageStat>; an entry that vanished meanwhile (nullopt) is left out.
template <class StatOf>
std::vector<StorageListing> pageFromList(std::vector<StorageEntry> entries, const std::string& dir,
                                         const std::string& start_after, uint64_t limit,
                                         StatOf&& stat_of) {
  std::sort(entries.begin(), entries.end(),
            [](const StorageEntry& a, const StorageEntry& b) { return a.name < b.name; });
  std::vector<StorageListing> out;
  for (auto& e : entries) {
    if (e.name <= start_after) continue;
    if (limit && out.size() >= limit) break;
    if (e.is_dir) {
      out.push_back({e.name, StorageStat{0, 0, true}});
    } else if (auto s = stat_of(dir.empty() ? e.name : dir + "/" + e.name)) {
      out.push_back({e.name, *s});
    }
  }
  return out;
}

// The wharf_list_stat_fn that appends each entry to a std::vector<StorageListing> (ctx).
inline int appendListing(void* ctx, const char* name, const wharf_storage_stat* s) {
  static_cast<std::vector<StorageListing>*>(ctx)->push_back(
      {name, StorageStat{s->size, s->mtime_ns, s->is_dir != 0}});
  return 0;
}

// `call()`, or an empty result (nullopt, {}, false) when it threw WHARF_ERR_NOT_FOUND.
template <class Call>
auto unlessMissing(Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const Error& e) {
    if (e.code() != WHARF_ERR_NOT_FOUND) throw;
    return {};
  }
}

}  // namespace detail

// Throws WHARF_ERR_INVALID_ARGUMENT unless `path` is a clean relative storage path ("" allowed
// only when `allow_root`).
inline void validateStoragePath(std::string_view path, bool allow_root = false) {
  auto fail = [&](const char* why) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "invalid storage path '" + std::string(path) + "': " + why);
  };
  if (path.empty()) {
    if (allow_root) return;
    fail("empty");
  }
  if (path.front() == '/') fail("absolute");
  if (path.find('\0') != std::string_view::npos) fail("NUL byte");
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    if (seg.empty()) fail("empty segment");
    if (seg == "." || seg == "..") fail("dot segment");
    pos = slash + 1;
  }
}

// A pending write; destroying it without commit() discards it.
class StorageWriter {
 public:
  virtual ~StorageWriter() = default;
  virtual void write(const void* data, size_t size) = 0;
  virtual uint64_t written() const = 0;
  // Makes the content visible atomically; the writer is finished afterwards.
  virtual void commit() = 0;
};

// Sink for reads: return false to stop early.
using ReadSink = std::function<bool(const void* data, size_t size)>;

class StorageDriver : public Instance {
 public:
  // Throw Error(WHARF_ERR_NOT_FOUND) when absent.
  virtual StorageStat stat(const std::string& path) = 0;
  // length UINT64_MAX = to the end. Stop when `sink` returns false.
  virtual void read(const std::string& path, uint64_t offset, uint64_t length,
                    const ReadSink& sink) = 0;
  // A writer whose commit() replaces `path` atomically.
  virtual std::unique_ptr<StorageWriter> openWriter(const std::string& path) = 0;
  virtual std::vector<StorageEntry> list(const std::string& dir) = 0;
  // Up to `limit` (0 = all) direct children named after `start_after`, sorted by name, with their
  // stats. The default lists, then stats the entries of the page only (ones that vanish meanwhile
  // are left out); drivers that get stats with the listing for free (an object store's page)
  // override.
  virtual std::vector<StorageListing> listPage(const std::string& dir,
                                               const std::string& start_after, uint64_t limit) {
    return detail::pageFromList(list(dir), dir, start_after, limit, [this](const std::string& p) {
      return detail::unlessMissing([&]() -> std::optional<StorageStat> { return stat(p); });
    });
  }
  virtual void move(const std::string& from, const std::string& to) = 0;
  virtual void remove(const std::string& path) = 0;
  virtual std::optional<std::string> localPath(const std::string&) { return std::nullopt; }
  virtual std::optional<std::string> redirectUrl(const std::string&, const std::string&) {
    return std::nullopt;
  }

  static const wharf_storage_v1* table() {
    static const wharf_storage_v1 t = makeTable();
    return &t;
  }

 private:
  static StorageDriver* self(void* inst) { return static_cast<StorageDriver*>(inst); }
  static StorageWriter* writer(wharf_storage_writer* w) {
    return reinterpret_cast<StorageWriter*>(w);
  }

  static wharf_storage_v1 makeTable() {
    wharf_storage_v1 t{};
    t.struct_size = sizeof(wharf_storage_v1);
    t.stat = [](void* inst, const char* path, wharf_storage_stat* out, wharf_error** err) {
      return detail::guard(err, [&] {
        StorageStat s = self(inst)->stat(path);
        out->struct_size = sizeof(wharf_storage_stat);
        out->size = s.size;
        out->mtime_ns = s.mtime_ns;
        out->is_dir = s.is_dir ? 1 : 0;
      });
    };
    t.read = [](void* inst, const char* path, uint64_t offset, uint64_t length, wharf_sink_fn sink,
                void* ctx, wharf_error** err) {
      bool stopped = false;
      wharf_status st = detail::guard(err, [&] {
        self(inst)->read(path, offset, length, [&](const void* d, size_t n) {
          if (sink(ctx, d, n) != 0) stopped = true;
          return !stopped;
        });
      });
      if (st == WHARF_OK && stopped) {
        detail::storeError(err, WHARF_ERR_CANCELLED, "read stopped by the caller");
        return WHARF_ERR_CANCELLED;
      }
      return st;
    };
    t.open_writer = [](void* inst, const char* path, uint32_t flags, wharf_storage_writer** w,
                       wharf_error** err) {
      return detail::guard(err, [&] {
        if (flags & WHARF_WRITER_APPEND)
          throw Error(WHARF_ERR_UNSUPPORTED,
                      "append writers are not supported (removed in ABI 1.1)");
        auto p = self(inst)->openWriter(path);
        *w = reinterpret_cast<wharf_storage_writer*>(p.release());
      });
    };
    t.write = [](wharf_storage_writer* w, const void* data, size_t size, wharf_error** err) {
      return detail::guard(err, [&] { writer(w)->write(data, size); });
    };
    t.written = [](wharf_storage_writer* w) -> uint64_t { return writer(w)->written(); };
    t.commit = [](wharf_storage_writer* w, wharf_error** err) {
      std::unique_ptr<StorageWriter> owned(writer(w));
      return detail::guard(err, [&] { owned->commit(); });
    };
    t.cancel = [](wharf_storage_writer* w) { delete writer(w); };
    t.list = [](void* inst, const char* path, wharf_list_fn fn, void* ctx, wharf_error** err) {
      return detail::guard(err, [&] {
        for (auto& e : self(inst)->list(path))
          if (fn(ctx, e.name.c_str(), e.is_dir ? 1 : 0) != 0) break;
      });
    };
    t.move = [](void* inst, const char* from, const char* to, wharf_error** err) {
      return detail::guard(err, [&] { self(inst)->move(from, to); });
    };
    t.list_page = [](void* inst, const char* path, const char* start_after, uint64_t limit,
                     wharf_list_stat_fn fn, void* ctx, wharf_error** err) {
      return detail::guard(err, [&] {
        for (auto& e : self(inst)->listPage(path, start_after ? start_after : "", limit)) {
          wharf_storage_stat s{};
          s.struct_size = sizeof s;
          s.size = e.stat.size;
          s.mtime_ns = e.stat.mtime_ns;
          s.is_dir = e.stat.is_dir ? 1 : 0;
          if (fn(ctx, e.name.c_str(), &s) != 0) break;
        }
      });
    };
    t.remove = [](void* inst, const char* path, wharf_error** err) {
      return detail::guard(err, [&] { self(inst)->remove(path); });
    };
    t.local_path = [](void* inst, const char* path, wharf_string_fn fn, void* ctx,
                      wharf_error** err) {
      std::optional<std::string> p;
      wharf_status st = detail::guard(err, [&] { p = self(inst)->localPath(path); });
      if (st != WHARF_OK) return st;
      if (!p) {
        detail::storeError(err, WHARF_ERR_UNSUPPORTED, "no local path");
        return WHARF_ERR_UNSUPPORTED;
      }
      fn(ctx, p->c_str());
      return WHARF_OK;
    };
    t.redirect_url = [](void* inst, const char* path, const char* method, wharf_string_fn fn,
                        void* ctx, wharf_error** err) {
      std::optional<std::string> u;
      wharf_status st = detail::guard(err, [&] { u = self(inst)->redirectUrl(path, method); });
      if (st != WHARF_OK) return st;
      if (!u) {
        detail::storeError(err, WHARF_ERR_UNSUPPORTED, "no redirect");
        return WHARF_ERR_UNSUPPORTED;
      }
      fn(ctx, u->c_str());
      return WHARF_OK;
    };
    return t;
  }
};

// Calls a storage instance (of any plugin) through its C table. Lossless: every status other than
// OK becomes a wharf::Error carrying the driver's own code and message, exactly as the
// StorageDriver method threw it (NOT_FOUND included), so a decorator built on it passes statuses
// on unchanged. The conveniences below (find, exists, get, listIfExists, listPageIfExists,
// removeIfExists) turn NOT_FOUND into an empty answer, and say so in their names.
class StorageClient {
 public:
  class Writer {
   public:
    Writer(const wharf_storage_v1* t, wharf_storage_writer* w) : t_(t), w_(w) {}
    Writer(Writer&& o) noexcept : t_(o.t_), w_(o.w_) { o.w_ = nullptr; }
    Writer& operator=(Writer&& o) noexcept {
      if (this != &o) {
        cancel();
        t_ = o.t_;
        w_ = o.w_;
        o.w_ = nullptr;
      }
      return *this;
    }
    ~Writer() { cancel(); }
    void write(const void* data, size_t size) {
      wharf_error* err = nullptr;
      check(t_->write(w_, data, size, &err), err, "storage write");
    }
    void write(std::string_view s) { write(s.data(), s.size()); }
    uint64_t written() const { return w_ ? t_->written(w_) : 0; }
    // Ends the handle, also when the commit fails.
    void commit() {
      wharf_error* err = nullptr;
      auto* w = w_;
      w_ = nullptr;
      check(t_->commit(w, &err), err, "storage commit");
    }
    void cancel() {
      if (w_) t_->cancel(w_);
      w_ = nullptr;
    }

   private:
    const wharf_storage_v1* t_;
    wharf_storage_writer* w_;
  };

  StorageClient() = default;
  StorageClient(const wharf_storage_v1* table, void* instance) : t_(table), inst_(instance) {}
  // The storage instance `name`, found through the host; refused when its table lacks the ABI
  // 1.0 entries.
  static StorageClient lookup(const Host& host, const std::string& name) {
    auto [t, i] = host.lookup(name, WHARF_KIND_STORAGE);
    auto* table = static_cast<const wharf_storage_v1*>(t);
    if (!table || !WHARF_TABLE_HAS(table, remove))
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "storage instance '" + name + "' has an incomplete storage table");
    return StorageClient(table, i);
  }
  explicit operator bool() const { return t_ != nullptr; }
  // The raw table and instance, for callers that need an entry this class does not wrap.
  const wharf_storage_v1* table() const { return t_; }
  void* instance() const { return inst_; }

  // Throws NOT_FOUND when absent.
  StorageStat stat(const std::string& path) const {
    wharf_storage_stat s{};
    wharf_error* err = nullptr;
    check(t_->stat(inst_, path.c_str(), &s, &err), err, "storage stat");
    return StorageStat{s.size, s.mtime_ns, s.is_dir != 0};
  }
  // The stat, or nullopt when absent.
  std::optional<StorageStat> find(const std::string& path) const {
    return detail::unlessMissing([&]() -> std::optional<StorageStat> { return stat(path); });
  }
  bool exists(const std::string& path) const { return find(path).has_value(); }

  // Streams a range to `sink`; returns normally when `sink` stopped it (returned false). Throws
  // NOT_FOUND when absent, and CANCELLED when the driver gave up on its own.
  void read(const std::string& path, uint64_t offset, uint64_t length, const ReadSink& sink) const {
    struct Ctx {
      const ReadSink& sink;
      bool stopped = false;
    } ctx{sink};
    auto fn = [](void* c, const void* d, size_t n) -> int {
      auto* x = static_cast<Ctx*>(c);
      if (!x->sink(d, n)) x->stopped = true;
      return x->stopped ? 1 : 0;
    };
    wharf_error* err = nullptr;
    wharf_status st = t_->read(inst_, path.c_str(), offset, length, fn, &ctx, &err);
    if (st == WHARF_ERR_CANCELLED && ctx.stopped) {
      wharf_error_release(err);
      return;
    }
    check(st, err, "storage read");
  }
  // The whole object, or nullopt when absent.
  std::optional<std::string> get(const std::string& path) const {
    return detail::unlessMissing([&]() -> std::optional<std::string> {
      std::string out;
      read(path, 0, UINT64_MAX, [&](const void* d, size_t n) {
        out.append(static_cast<const char*>(d), n);
        return true;
      });
      return out;
    });
  }
  Writer openWriter(const std::string& path) const {
    wharf_storage_writer* w = nullptr;
    wharf_error* err = nullptr;
    check(t_->open_writer(inst_, path.c_str(), 0, &w, &err), err, "storage open");
    return Writer(t_, w);
  }
  // Writes a whole object atomically.
  void put(const std::string& path, std::string_view data) const {
    Writer w = openWriter(path);
    w.write(data);
    w.commit();
  }
  // Direct children, in no particular order. Throws NOT_FOUND when the directory does not exist.
  std::vector<StorageEntry> list(const std::string& dir) const {
    std::vector<StorageEntry> out;
    wharf_error* err = nullptr;
    auto fn = [](void* ctx, const char* name, int is_dir) -> int {
      static_cast<std::vector<StorageEntry>*>(ctx)->push_back({name, is_dir != 0});
      return 0;
    };
    check(t_->list(inst_, dir.c_str(), fn, &out, &err), err, "storage list");
    return out;
  }
  std::vector<StorageEntry> listIfExists(const std::string& dir) const {
    return detail::unlessMissing([&] { return list(dir); });
  }
  // A sorted page of direct children with their stats (list_page). Throws NOT_FOUND when the
  // directory does not exist. A driver built before ABI 1.1 is asked list() and one stat per
  // entry instead.
  std::vector<StorageListing> listPage(const std::string& dir, const std::string& start_after = {},
                                       uint64_t limit = 0) const {
    if (!WHARF_TABLE_HAS(t_, list_page))
      return detail::pageFromList(list(dir), dir, start_after, limit,
                                  [this](const std::string& path) { return find(path); });
    std::vector<StorageListing> out;
    wharf_error* err = nullptr;
    check(t_->list_page(inst_, dir.c_str(), start_after.c_str(), limit, &detail::appendListing,
                        &out, &err),
          err, "storage list page");
    return out;
  }
  std::vector<StorageListing> listPageIfExists(const std::string& dir,
                                               const std::string& start_after = {},
                                               uint64_t limit = 0) const {
    return detail::unlessMissing([&] { return listPage(dir, start_after, limit); });
  }
  void move(const std::string& from, const std::string& to) const {
    wharf_error* err = nullptr;
    check(t_->move(inst_, from.c_str(), to.c_str(), &err), err, "storage move");
  }
  // Throws NOT_FOUND when the path does not exist.
  void remove(const std::string& path) const {
    wharf_error* err = nullptr;
    check(t_->remove(inst_, path.c_str(), &err), err, "storage remove");
  }
  // Returns false when the path did not exist.
  bool removeIfExists(const std::string& path) const {
    return detail::unlessMissing([&] {
      remove(path);
      return true;
    });
  }
  // nullopt when the driver has no local files (UNSUPPORTED, or a table without the entry).
  std::optional<std::string> localPath(const std::string& path) const {
    if (!WHARF_TABLE_HAS(t_, local_path)) return std::nullopt;
    return captureString("storage local path",
                         [&](wharf_string_fn fn, void* ctx, wharf_error** err) {
                           return t_->local_path(inst_, path.c_str(), fn, ctx, err);
                         });
  }
  // nullopt when the driver does not redirect (UNSUPPORTED, or a table without the entry).
  std::optional<std::string> redirectUrl(const std::string& path, const std::string& method) const {
    if (!WHARF_TABLE_HAS(t_, redirect_url)) return std::nullopt;
    return captureString("storage redirect", [&](wharf_string_fn fn, void* ctx, wharf_error** err) {
      return t_->redirect_url(inst_, path.c_str(), method.c_str(), fn, ctx, err);
    });
  }

 private:
  // Calls `call(fn, ctx, err)`; nullopt when it answers UNSUPPORTED or gives nothing.
  template <class Call>
  static std::optional<std::string> captureString(const char* what, Call&& call) {
    std::optional<std::string> out;
    auto fn = [](void* c, const char* v) { *static_cast<std::optional<std::string>*>(c) = v; };
    wharf_error* err = nullptr;
    wharf_status st = call(fn, &out, &err);
    if (st == WHARF_ERR_UNSUPPORTED) {
      wharf_error_release(err);
      return std::nullopt;
    }
    check(st, err, what);
    return out;
  }

  const wharf_storage_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

}  // namespace wharf

// Registers `Class` (derived from wharf::StorageDriver) as this module's storage plugin. `Keys` is
// a static wharf_config_key array, or nullptr.
#define WHARF_STORAGE_PLUGIN(Class, Name, Version, Description, Keys)                  \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::StorageDriver, WHARF_KIND_STORAGE, Name, Version, \
                     Description, Keys)

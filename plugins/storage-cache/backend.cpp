#include "backend.hpp"

namespace wharf::cache {
namespace {

void stringResult(void* ctx, const char* value) {
  *static_cast<std::optional<std::string>*>(ctx) = value ? value : "";
}

// nullopt for UNSUPPORTED, the string for OK, wharf::Error otherwise.
std::optional<std::string> optionalString(wharf_status st, wharf_error* err,
                                          std::optional<std::string> out, const char* what) {
  if (st == WHARF_ERR_UNSUPPORTED) {
    wharf_error_release(err);
    return std::nullopt;
  }
  check(st, err, what);
  return out;
}

}  // namespace

void BackendWriter::write(const void* data, size_t size) {
  wharf_error* err = nullptr;
  wharf_status st = t_->write(w_, data, size, &err);
  check(st, err, "backend write");
}

void BackendWriter::commit() {
  wharf_storage_writer* w = w_;
  w_ = nullptr;  // commit ends the handle, also on failure
  wharf_error* err = nullptr;
  wharf_status st = t_->commit(w, &err);
  check(st, err, "backend commit");
}

Backend Backend::lookup(const Host& host, const std::string& name) {
  const wharf_host_api* api = host.api();
  const void* table = nullptr;
  void* instance = nullptr;
  wharf_error* err = nullptr;
  wharf_status st =
      api->lookup(api->ctx, name.c_str(), WHARF_KIND_STORAGE, &table, &instance, &err);
  check(st, err, ("backend '" + name + "'").c_str());
  auto* t = static_cast<const wharf_storage_v1*>(table);
  if (!t || t->struct_size < offsetof(wharf_storage_v1, remove) + sizeof(t->remove))
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "backend '" + name + "' has an incomplete storage table");
  return Backend(t, instance);
}

StorageStat Backend::stat(const std::string& path) const {
  wharf_storage_stat s{};
  wharf_error* err = nullptr;
  wharf_status st = t_->stat(inst_, path.c_str(), &s, &err);
  check(st, err, "backend stat");
  return StorageStat{s.size, s.mtime_ns, s.is_dir != 0};
}

void Backend::read(const std::string& path, uint64_t offset, uint64_t length,
                   const ReadSink& sink) const {
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
  check(st, err, "backend read");
}

BackendWriter Backend::openWriter(const std::string& path) const {
  wharf_storage_writer* w = nullptr;
  wharf_error* err = nullptr;
  wharf_status st = t_->open_writer(inst_, path.c_str(), 0, &w, &err);
  check(st, err, "backend open");
  return BackendWriter(t_, w);
}

std::vector<StorageEntry> Backend::list(const std::string& dir) const {
  std::vector<StorageEntry> out;
  auto fn = [](void* ctx, const char* name, int is_dir) -> int {
    static_cast<std::vector<StorageEntry>*>(ctx)->push_back({name, is_dir != 0});
    return 0;
  };
  wharf_error* err = nullptr;
  wharf_status st = t_->list(inst_, dir.c_str(), fn, &out, &err);
  check(st, err, "backend list");
  return out;
}

std::vector<StorageListing> Backend::listPage(const std::string& dir,
                                              const std::string& start_after,
                                              uint64_t limit) const {
  if (!WHARF_TABLE_HAS(t_, list_page))
    return detail::pageFromList(list(dir), dir, start_after, limit, [this](const std::string& p) {
      return detail::statUnlessMissing([this](const std::string& q) { return stat(q); }, p);
    });
  std::vector<StorageListing> out;
  wharf_error* err = nullptr;
  wharf_status st = t_->list_page(inst_, dir.c_str(), start_after.c_str(), limit,
                                  &detail::appendListing, &out, &err);
  check(st, err, "backend list page");
  return out;
}

void Backend::move(const std::string& from, const std::string& to) const {
  wharf_error* err = nullptr;
  wharf_status st = t_->move(inst_, from.c_str(), to.c_str(), &err);
  check(st, err, "backend move");
}

void Backend::remove(const std::string& path) const {
  wharf_error* err = nullptr;
  wharf_status st = t_->remove(inst_, path.c_str(), &err);
  check(st, err, "backend remove");
}

std::optional<std::string> Backend::localPath(const std::string& path) const {
  if (!WHARF_TABLE_HAS(t_, local_path)) return std::nullopt;
  std::optional<std::string> out;
  wharf_error* err = nullptr;
  wharf_status st = t_->local_path(inst_, path.c_str(), &stringResult, &out, &err);
  return optionalString(st, err, std::move(out), "backend local path");
}

std::optional<std::string> Backend::redirectUrl(const std::string& path,
                                                const std::string& method) const {
  if (!WHARF_TABLE_HAS(t_, redirect_url)) return std::nullopt;
  std::optional<std::string> out;
  wharf_error* err = nullptr;
  wharf_status st =
      t_->redirect_url(inst_, path.c_str(), method.c_str(), &stringResult, &out, &err);
  return optionalString(st, err, std::move(out), "backend redirect");
}

}  // namespace wharf::cache

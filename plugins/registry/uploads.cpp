#include "uploads.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <random>

#include "body_copy.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "timestamps.hpp"

namespace wharf::registry {

namespace {

constexpr size_t kMaxHashStates = 4096;

std::string newUuid() {
  static thread_local std::random_device rd;
  unsigned char b[16];
  for (size_t i = 0; i < sizeof b; i += 4) {
    uint32_t r = rd();
    for (size_t j = 0; j < 4; ++j) b[i + j] = static_cast<unsigned char>(r >> (8 * j));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

std::string rangeHeader(uint64_t size) { return "0-" + std::to_string(size ? size - 1 : 0); }

}  // namespace

Uploads::Uploads(const Store& store, RegistryMetrics* metrics) : store_(store), metrics_(metrics) {}

bool Uploads::isValidId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  return true;
}

std::mutex& Uploads::lockFor(const std::string& id) {
  return locks_[std::hash<std::string>{}(id) % locks_.size()];
}

std::string Uploads::start(const std::string& name, const std::string& algorithm) {
  std::string id = newUuid();
  store_.put(layout::uploadStartedAt(name, id), formatRfc3339(std::time(nullptr)));
  HashState hs;
  hs.hashers.emplace_back(algorithm);
  keepHashState(id, std::move(hs));
  return id;
}

UploadState Uploads::state(const std::string& name, const std::string& id) const {
  if (!isValidId(id)) throw RegistryError(ErrorCode::BlobUploadUnknown, "upload " + id);
  UploadState st;
  auto started = store_.get(layout::uploadStartedAt(name, id));
  if (!started) throw RegistryError(ErrorCode::BlobUploadUnknown, "upload " + id);
  st.startedAt = parseRfc3339(*started).value_or(0);
  if (auto data = store_.stat(layout::uploadData(name, id)))
    st.pieces.push_back({0, data->size, layout::uploadData(name, id)});
  // One listing with sizes for all the parts: a PATCH costs a constant number of storage calls,
  // not one stat per earlier part (O(parts²) over an upload).
  std::string partsDir = layout::uploadPartsDir(name, id);
  std::vector<UploadPiece> later;
  for (auto& e : store_.listWithStats(partsDir)) {
    if (e.stat.is_dir) continue;
    uint64_t offset = 0;
    auto [p, ec] = std::from_chars(e.name.data(), e.name.data() + e.name.size(), offset);
    if (ec != std::errc() || p != e.name.data() + e.name.size()) continue;
    later.push_back({offset, e.stat.size, partsDir + "/" + e.name});
  }
  std::sort(later.begin(), later.end(),
            [](const UploadPiece& a, const UploadPiece& b) { return a.offset < b.offset; });
  st.pieces.insert(st.pieces.end(), later.begin(), later.end());
  for (auto& piece : st.pieces) {
    if (piece.offset != st.size)
      throw RegistryError(ErrorCode::BlobUploadInvalid,
                          "upload " + id + " has a gap at " + std::to_string(st.size));
    st.size += piece.size;
  }
  return st;
}

std::optional<Uploads::HashState> Uploads::takeHashState(const std::string& id, uint64_t offset) {
  std::lock_guard lock(hash_mutex_);
  auto it = hash_states_.find(id);
  if (it == hash_states_.end()) return std::nullopt;
  std::optional<HashState> out;
  if (it->second.offset == offset) out = std::move(it->second);
  hash_states_.erase(it);
  return out;
}

void Uploads::keepHashState(const std::string& id, HashState state) {
  std::lock_guard lock(hash_mutex_);
  if (hash_states_.size() >= kMaxHashStates && !hash_states_.count(id))
    hash_states_.erase(hash_states_.begin());  // that upload re-hashes at finish
  hash_states_[id] = std::move(state);
}

void Uploads::dropHashState(const std::string& id) {
  std::lock_guard lock(hash_mutex_);
  hash_states_.erase(id);
}

uint64_t Uploads::append(Exchange& ex, const std::string& name, const std::string& id,
                         const std::optional<ByteRange>& range) {
  std::lock_guard lock(lockFor(id));
  UploadState st = state(name, id);
  if (range && range->start != st.size)
    throw RegistryError(ErrorCode::RangeInvalid, 416, "chunk out of order",
                        "expected a chunk starting at " + std::to_string(st.size))
        .withHeader("Location", "/v2/" + name + "/blobs/uploads/" + id)
        .withHeader("Range", rangeHeader(st.size))
        .withHeader("Docker-Upload-UUID", id);
  std::optional<HashState> hs = takeHashState(id, st.size);
  std::vector<Hasher> none;
  std::vector<Hasher>& hashers = hs ? hs->hashers : none;
  std::string path =
      st.size == 0 ? layout::uploadData(name, id) : layout::uploadPart(name, id, st.size);
  if (metrics_) metrics_->uploadStarted();
  uint64_t n = 0;
  try {
    auto writer = store_.openWriter(path);
    n = copyBody(ex, writer, hashers, metrics_);
    if (range && n != range->length())
      throw RegistryError(ErrorCode::SizeInvalid, 416, defaultMessage(ErrorCode::SizeInvalid),
                          "Content-Range announces " + std::to_string(range->length()) +
                              " bytes, the body had " + std::to_string(n))
          .withHeader("Location", "/v2/" + name + "/blobs/uploads/" + id)
          .withHeader("Range", rangeHeader(st.size))
          .withHeader("Docker-Upload-UUID", id);
    if (n > 0) writer.commit();
  } catch (...) {
    if (metrics_) metrics_->uploadEnded();
    throw;  // the hash state is dropped: the next request or finish re-hashes
  }
  if (metrics_) metrics_->uploadEnded();
  if (hs) {
    hs->offset = st.size + n;
    keepHashState(id, std::move(*hs));
  }
  return st.size + n;
}

Digest Uploads::hashPieces(const UploadState& st, const std::string& algorithm) const {
  Hasher h(algorithm);
  for (auto& piece : st.pieces)
    store_.read(piece.path, 0, UINT64_MAX, [&](const void* d, size_t n) {
      h.update(d, n);
      return true;
    });
  return h.digest();
}

void Uploads::commitBlob(const UploadState& st, const Digest& d) const {
  std::string target = layout::blobData(d);
  if (auto existing = store_.stat(target); existing && existing->size == st.size) return;
  if (st.pieces.size() == 1) {
    store_.move(st.pieces[0].path, target);
    return;
  }
  auto writer = store_.openWriter(target);
  for (auto& piece : st.pieces)
    store_.read(piece.path, 0, UINT64_MAX, [&](const void* data, size_t n) {
      writer.write(data, n);
      return true;
    });
  writer.commit();
}

uint64_t Uploads::finish(const std::string& name, const std::string& id, const Digest& expected) {
  std::lock_guard lock(lockFor(id));
  UploadState st = state(name, id);
  std::optional<Digest> actual;
  if (auto hs = takeHashState(id, st.size))
    for (auto& h : hs->hashers)
      if (h.algorithm() == expected.algorithm) actual = h.digest();
  if (!actual) actual = hashPieces(st, expected.algorithm);
  if (*actual != expected) {
    store_.remove(layout::uploadDir(name, id));
    throw RegistryError(ErrorCode::DigestInvalid,
                        "expected " + expected.str() + ", content is " + actual->str());
  }
  commitBlob(st, expected);
  store_.remove(layout::uploadDir(name, id));
  return st.size;
}

bool Uploads::cancel(const std::string& name, const std::string& id) {
  if (!isValidId(id)) return false;
  std::lock_guard lock(lockFor(id));
  dropHashState(id);
  if (!store_.exists(layout::uploadStartedAt(name, id))) return false;
  return store_.remove(layout::uploadDir(name, id));
}

size_t Uploads::purgeRepository(const std::string& name, std::chrono::seconds age) {
  size_t removed = 0;
  std::time_t cutoff = std::time(nullptr) - static_cast<std::time_t>(age.count());
  for (auto& id : store_.listNames(layout::uploadsDir(name))) {
    std::time_t started = 0;
    if (auto text = store_.get(layout::uploadStartedAt(name, id)))
      started = parseRfc3339(*text).value_or(0);
    else if (auto st = store_.stat(layout::uploadDir(name, id)))
      started = static_cast<std::time_t>(st->mtime_ns / 1000000000);
    if (started > cutoff) continue;
    std::lock_guard lock(lockFor(id));
    dropHashState(id);
    if (store_.remove(layout::uploadDir(name, id))) ++removed;
  }
  return removed;
}

}  // namespace wharf::registry

#include "maintenance.hpp"

#include "gc.hpp"
#include "repositories.hpp"

namespace wharf::registry {

namespace {
using Clock = std::chrono::steady_clock;
}

Maintenance::Maintenance(RegistryContext& ctx) : ctx_(ctx) {
  if (ctx_.settings.gcInterval.count() > 0 || ctx_.settings.uploadPurgeInterval.count() > 0)
    thread_ = std::thread([this] { loop(); });
}

Maintenance::~Maintenance() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Maintenance::runGc() {
  auto start = Clock::now();
  GcOptions opt;
  opt.grace = ctx_.settings.gcGrace;
  opt.recent = &ctx_.recent;
  opt.lock = &ctx_.gcLock;
  GcReport r = collectGarbage(ctx_.store, ctx_.manifests, opt,
                              [&](const std::string& line) { ctx_.host.debug("gc: " + line); });
  std::chrono::duration<double> took = Clock::now() - start;
  ctx_.metrics.gcRun(r.blobsDeleted, r.bytesFreed, took.count());
  ctx_.recent.prune();
  ctx_.host.info("online gc: " + std::to_string(r.blobsMarked) + " blobs marked, " +
                 std::to_string(r.blobsDeleted) + " deleted (" + std::to_string(r.bytesFreed) +
                 " bytes), " + std::to_string(r.blobsSpared) + " spared by the grace period");
}

void Maintenance::purgeUploads() {
  size_t removed = 0;
  for (auto& repo : listRepositories(ctx_.store, true))
    removed += ctx_.uploads.purgeRepository(repo, ctx_.settings.uploadPurgeAge);
  if (removed) ctx_.host.info("purged " + std::to_string(removed) + " stale upload(s)");
}

void Maintenance::loop() {
  const auto gcEvery = ctx_.settings.gcInterval;
  const auto purgeEvery = ctx_.settings.uploadPurgeInterval;
  auto nextGc = Clock::now() + gcEvery;
  auto nextPurge = Clock::now() + std::min(purgeEvery, std::chrono::seconds(60));
  std::unique_lock lock(mutex_);
  while (!stop_) {
    auto next = Clock::time_point::max();
    if (gcEvery.count() > 0) next = std::min(next, nextGc);
    if (purgeEvery.count() > 0) next = std::min(next, nextPurge);
    wake_.wait_until(lock, next, [&] { return stop_; });
    if (stop_) break;
    lock.unlock();
    auto now = Clock::now();
    try {
      if (purgeEvery.count() > 0 && now >= nextPurge) {
        purgeUploads();
        nextPurge = now + purgeEvery;
      }
      if (gcEvery.count() > 0 && now >= nextGc) {
        runGc();
        nextGc = Clock::now() + gcEvery;
      }
    } catch (const std::exception& e) {
      ctx_.host.error(std::string("maintenance failed: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace wharf::registry

#include "engine/parallel/cpu_communicator.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {
// Polls before sleeping: the ranks of a forward pass meet every few microseconds.
constexpr int kSpins = 256;

[[noreturn]] void throwAborted() {
  throw Error(WHARF_ERR_INTERNAL, "tensor-parallel collective aborted: a peer rank failed");
}
}  // namespace

void AbortableBarrier::arriveAndWait() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (aborted_) throwAborted();
  const uint64_t generation = generation_.load();
  if (++waiting_ == n_) {
    waiting_ = 0;
    generation_.store(generation + 1);
    cv_.notify_all();
    return;
  }
  lock.unlock();
  for (int i = 0; i < kSpins; ++i) {
    if (generation_.load(std::memory_order_acquire) != generation) return;
    if (aborted_.load(std::memory_order_acquire)) break;
    std::this_thread::yield();
  }
  lock.lock();
  cv_.wait(lock, [&] { return generation_.load() != generation || aborted_.load(); });
  if (generation_.load() == generation) throwAborted();
}

void AbortableBarrier::abort() {
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = true;
  cv_.notify_all();
}

void AbortableBarrier::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = false;
  waiting_ = 0;
}

class CpuCommunicatorGroup::Rank : public Communicator {
 public:
  Rank(CpuCommunicatorGroup& group, int rank) : g_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return g_.size_; }

  void allReduceSum(float* data, size_t n) override {
    const size_t r = static_cast<size_t>(rank_), ranks = static_cast<size_t>(g_.size_);
    g_.buffers_[r] = data;
    g_.sizes_[r] = n;
    g_.barrier_.arriveAndWait();
    checkSizes("all-reduce");
    const size_t begin = n * r / ranks, end = n * (r + 1) / ranks;
    for (size_t i = begin; i < end; ++i) {
      float sum = g_.buffers_[0][i];
      for (size_t k = 1; k < ranks; ++k) sum += g_.buffers_[k][i];
      for (size_t k = 0; k < ranks; ++k) g_.buffers_[k][i] = sum;
    }
    g_.barrier_.arriveAndWait();
  }

  void allGather(const float* in, const std::vector<size_t>& counts, float* out) override {
    const size_t r = static_cast<size_t>(rank_), ranks = static_cast<size_t>(g_.size_);
    if (counts.size() != ranks) throw Error(WHARF_ERR_INTERNAL, "all-gather: one count per rank");
    size_t total = 0;
    for (size_t c : counts) total += c;
    g_.inputs_[r] = in;
    g_.sizes_[r] = total;
    g_.barrier_.arriveAndWait();
    checkSizes("all-gather");
    size_t offset = 0;
    for (size_t k = 0; k < ranks; ++k) {
      std::copy_n(g_.inputs_[k], counts[k], out + offset);
      offset += counts[k];
    }
    g_.barrier_.arriveAndWait();  // the inputs stay valid until every rank has copied them
  }

 private:
  // Every rank reads the same sizes; on a mismatch all of them throw, none waits.
  void checkSizes(const char* what) const {
    for (size_t k = 1; k < g_.sizes_.size(); ++k) {
      if (g_.sizes_[k] != g_.sizes_[0]) {
        throw Error(WHARF_ERR_INTERNAL, std::string(what) + ": ranks disagree on the size (" +
                                            std::to_string(g_.sizes_[0]) + " and " +
                                            std::to_string(g_.sizes_[k]) + ")");
      }
    }
  }

  CpuCommunicatorGroup& g_;
  const int rank_;
};

CpuCommunicatorGroup::CpuCommunicatorGroup(int size)
    : size_(size),
      barrier_(size),
      buffers_(static_cast<size_t>(size)),
      inputs_(static_cast<size_t>(size)),
      sizes_(static_cast<size_t>(size)) {
  if (size < 1) throw Error(WHARF_ERR_INVALID_ARGUMENT, "a communicator needs at least one rank");
  for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<Rank>(*this, r));
}

CpuCommunicatorGroup::~CpuCommunicatorGroup() = default;

Communicator& CpuCommunicatorGroup::rank(int r) {
  if (r < 0 || r >= size_) throw Error(WHARF_ERR_INTERNAL, "no rank " + std::to_string(r));
  return *ranks_[static_cast<size_t>(r)];
}

}  // namespace wharf::engine

// The CPU communicator: the ranks are threads of one process and collectives meet in shared
// memory. An all-reduce is a reduce-scatter and an all-gather over the ranks' own buffers: rank r
// sums slice r of every rank's buffer in rank order (0, 1, ..., n-1) and writes the sum back into
// all of them, so every rank ends with the same bits. engine-cpu runs tensor-parallel on it, and
// the sharding maths of every engine is tested with it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/parallel/communicator.hpp"

namespace wharf::engine {

// A reusable barrier for `n` threads that abort() opens with an error: every waiting and later
// arriveAndWait() throws wharf::Error until reset().
class AbortableBarrier {
 public:
  explicit AbortableBarrier(int n) : n_(n) {}
  void arriveAndWait();
  void abort();
  void reset();

 private:
  const int n_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int waiting_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> aborted_{false};
};

class CpuCommunicatorGroup : public CommunicatorGroup {
 public:
  explicit CpuCommunicatorGroup(int size);
  ~CpuCommunicatorGroup() override;
  int size() const override { return size_; }
  Communicator& rank(int r) override;
  void abort() override { barrier_.abort(); }
  void reset() override { barrier_.reset(); }

 private:
  class Rank;
  friend class Rank;

  const int size_;
  AbortableBarrier barrier_;
  // What each rank posted for the collective in progress.
  std::vector<float*> buffers_;
  std::vector<const float*> inputs_;
  std::vector<size_t> sizes_;
  std::vector<std::unique_ptr<Rank>> ranks_;
};

}  // namespace wharf::engine

// A ModelRunner over the ranks of a tensor-parallel group: one rank runner per shard, each on its
// own thread (rank 0 on the engine's loop thread), meeting in the group's collectives. To the
// engine it is one runner with the whole model's config: every rank gets the same batch, rank 0's
// logits (all-gathered over the vocabulary) are the step's. A rank that throws aborts the group,
// so its peers leave their collectives too; the first error is rethrown and the group re-armed.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/parallel/communicator.hpp"
#include "engine/sched/model_runner.hpp"

namespace wharf::engine {

class TensorParallelRunner : public ModelRunner {
 public:
  // ranks[r] is rank r of `group` (ranks.size() == group->size()); `config` is the whole model's.
  TensorParallelRunner(ModelConfig config, std::shared_ptr<CommunicatorGroup> group,
                       std::vector<std::unique_ptr<ModelRunner>> ranks);
  ~TensorParallelRunner() override;

  const ModelConfig& config() const override { return config_; }
  // The sum over the ranks: each holds the KV heads of its shard.
  size_t kvBytesPerBlock() const override;
  void allocateKvCache(size_t blocks) override;
  void forward(const ForwardBatch& batch, std::vector<float>& logits) override;
  RunnerMemory memory() const override;
  int parallelism() const override;
  int tensorParallelSize() const override { return static_cast<int>(ranks_.size()); }

 private:
  // Runs job(r) on every rank at once and waits for all of them.
  void onEveryRank(const std::function<void(int)>& job);
  void workerLoop(int rank);
  void runRank(int rank);

  ModelConfig config_;
  std::shared_ptr<CommunicatorGroup> group_;
  std::vector<std::unique_ptr<ModelRunner>> ranks_;
  std::vector<std::vector<float>> logits_;  // ranks 1.. (rank 0 writes the caller's)

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;
};

}  // namespace wharf::engine

#include "engine/parallel/tensor_parallel_runner.hpp"

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

TensorParallelRunner::TensorParallelRunner(ModelConfig config,
                                           std::shared_ptr<CommunicatorGroup> group,
                                           std::vector<std::unique_ptr<ModelRunner>> ranks)
    : config_(std::move(config)),
      group_(std::move(group)),
      ranks_(std::move(ranks)),
      logits_(ranks_.size()) {
  if (!group_ || ranks_.empty() || static_cast<int>(ranks_.size()) != group_->size()) {
    throw Error(WHARF_ERR_INTERNAL, "tensor-parallel runner: one rank runner per rank");
  }
  for (int r = 1; r < static_cast<int>(ranks_.size()); ++r)
    workers_.emplace_back([this, r] { workerLoop(r); });
}

TensorParallelRunner::~TensorParallelRunner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void TensorParallelRunner::runRank(int rank) {
  try {
    (*job_)(rank);
  } catch (...) {
    // The first failure is the cause; the peers' "aborted" errors follow from it.
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    group_->abort();
  }
}

void TensorParallelRunner::workerLoop(int rank) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    runRank(rank);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_all();
    }
  }
}

void TensorParallelRunner::onEveryRank(const std::function<void(int)>& job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    error_ = nullptr;
    pending_ = static_cast<int>(ranks_.size()) - 1;
    ++generation_;
  }
  wake_.notify_all();
  runRank(0);
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    error = error_;
  }
  if (error) {
    group_->reset();
    std::rethrow_exception(error);
  }
}

size_t TensorParallelRunner::kvBytesPerBlock() const {
  size_t bytes = 0;
  for (const auto& r : ranks_) bytes += r->kvBytesPerBlock();
  return bytes;
}

void TensorParallelRunner::allocateKvCache(size_t blocks) {
  // On the ranks' own threads, where their KV pages are first touched.
  onEveryRank([&](int r) { ranks_[static_cast<size_t>(r)]->allocateKvCache(blocks); });
}

void TensorParallelRunner::forward(const ForwardBatch& batch, std::vector<float>& logits) {
  onEveryRank([&](int r) {
    ranks_[static_cast<size_t>(r)]->forward(batch,
                                            r == 0 ? logits : logits_[static_cast<size_t>(r)]);
  });
}

RunnerMemory TensorParallelRunner::memory() const {
  RunnerMemory total = ranks_[0]->memory();
  for (size_t r = 1; r < ranks_.size(); ++r) {
    const RunnerMemory m = ranks_[r]->memory();
    total.weights_bytes += m.weights_bytes;
    total.kv_cache_bytes += m.kv_cache_bytes;
    total.workspace_bytes += m.workspace_bytes;
    total.device_total_bytes += m.device_total_bytes;
    total.device_free_bytes += m.device_free_bytes;
  }
  return total;
}

int TensorParallelRunner::parallelism() const {
  int threads = 0;
  for (const auto& r : ranks_) threads += r->parallelism();
  return threads;
}

}  // namespace wharf::engine

// The device-specific half of an engine: owns the weights and the KV storage, runs forward steps
// and, where it can, samples. The scheduler, block manager and sampler (device-neutral) drive it.
//
// The seam, for a CPU runner today and a device (CUDA) runner next:
//  - KV storage lives where the runner computes (host memory, device memory). allocateKvCache()
//    sizes it in blocks of kKvBlockSize tokens; kvBytesPerBlock() is what the engine divides its
//    kv_cache_bytes budget by. Which physical block holds which positions of a sequence is the
//    BlockManager's decision (host side): ForwardBatch::block_tables hands the runner, per step,
//    each sequence's table of block ids into that storage. A device runner copies the tables (or
//    what changed) to the device before its attention kernels read them; prefix-cached blocks are
//    shared between tables, so a runner never writes a block it did not get as writable (the
//    positions of this step's tokens).
//  - Logits and sampling: the engine calls step() once per iteration with one SamplingRow per
//    logit row of the batch (ForwardBatch::logit_rows, in order) and gets one SampledToken per row
//    back (the token id, and its logprob and the top-k when the row's params ask for logprobs).
//    A host-sampling runner implements forward() (logits to host memory) and inherits step(),
//    which samples each row with the engine's Sampler on the host. A device runner overrides
//    step() to sample on the device (temperature, top-k/p, min-p, penalties from the row's
//    SamplerState, logit bias, seeded RNG) and copies back only ids and logprobs; its forward()
//    still returns host logits for reference checks.
//  - Prompt scoring (prompt logprobs): a row with SamplingRow::score_token >= 0 is not sampled
//    but scored: the logits of a prompt position, for the prompt's next token. The runner returns
//    that token (id), its raw log-softmax logprob and rank, and the params->prompt_logprobs most
//    likely tokens (Sampler::score on the host; a device runner computes the same there). A
//    prefill chunk of a scoring request asks for many such rows in one step: they come from the
//    same forward pass, never a second one.
//  - Memory: memory() says what the runner holds (weights, KV cache, per-step workspace) and, on
//    a device, the device's total and free bytes; the engine reports it in its stats
//    (/admin/engine) so that operators can size kv_cache_bytes.
// Threading: the engine's loop thread calls every method except memory() and fault(), which any
// thread may call while a step runs (implementations read counters, not per-step state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/model_config.hpp"
#include "engine/sched/forward_batch.hpp"
#include "engine/sched/sampling.hpp"

namespace wharf::engine {

// How to sample one logit row: the request's parameters and its mutable sampling state (seeded
// RNG, output counts for penalties). Borrowed for the step.
struct SamplingRow {
  const SamplingParams* params = nullptr;
  SamplerState* state = nullptr;
  // >= 0: a scoring row (prompt logprobs): score this token, sample nothing.
  int32_t score_token = -1;
};

// What a runner holds, in bytes.
struct RunnerMemory {
  std::string device = "cpu";       // "cpu", "cuda:0", ...
  uint64_t weights_bytes = 0;       // model weights as held for compute (mapped or resident)
  uint64_t kv_cache_bytes = 0;      // allocated KV storage
  uint64_t workspace_bytes = 0;     // per-step scratch (activations, logits)
  uint64_t device_total_bytes = 0;  // the device's memory; 0 on the CPU
  uint64_t device_free_bytes = 0;   // free device memory when asked; 0 on the CPU
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  virtual const ModelConfig& config() const = 0;
  // Bytes of KV storage that one block of kKvBlockSize tokens takes (all layers, K and V).
  virtual size_t kvBytesPerBlock() const = 0;
  // Allocates KV storage for `blocks` blocks (dropping any previous contents).
  virtual void allocateKvCache(size_t blocks) = 0;
  // Writes the batch's K/V into the cache and returns logits for batch.logit_rows in host memory,
  // row-major (logit_rows.size() x vocab_size).
  virtual void forward(const ForwardBatch& batch, std::vector<float>& logits) = 0;
  // One engine step: writes the batch's K/V and samples (or, for a scoring row, scores) one token
  // per logit row with `rows` (rows.size() == batch.logit_rows.size()), into `out` (resized to
  // rows.size()). The default runs forward() and samples on the host with `sampler`; device
  // runners override it.
  virtual void step(const ForwardBatch& batch, const std::vector<SamplingRow>& rows,
                    const Sampler& sampler, std::vector<SampledToken>& out);
  virtual RunnerMemory memory() const = 0;
  // Threads or streams the runner computes with (for stats).
  virtual int parallelism() const = 0;
  // Ranks the model is sharded over (engine/parallel/tensor_parallel_runner.hpp).
  virtual int tensorParallelSize() const { return 1; }
  // Why the runner can no longer compute (a device error that leaves its context unusable, as a
  // CUDA fault does), or "" while it can. The engine then refuses new requests and reports
  // itself unhealthy with this message. Any thread may call it.
  virtual std::string fault() const { return {}; }

 private:
  std::vector<float> step_logits_;  // the default step()'s host logits
};

}  // namespace wharf::engine

// Continuous batching (device-independent): a waiting queue and a running set; every step
// gives each running sequence its next tokens (one for a decode, a chunk for an unfinished
// prompt) and admits waiting sequences while the token budget (max_num_batched_tokens), the
// sequence limit (max_num_seqs) and the KV blocks allow. When blocks run out, the most recently
// admitted running sequence is preempted by recompute: its blocks are released and it returns to
// the front of the queue with all its tokens, to be prefilled again (the prefix cache usually
// keeps most of them).
// Prompt scoring: a sequence may want the logits of a range of its positions (prompt logprobs),
// not only of its last one. Those positions are never taken from the prefix cache, and the rows
// of logits they add to a step are bounded (max_scored_rows): a prefill chunk is shortened to fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "engine/sched/block_manager.hpp"

namespace wharf::engine {

struct SchedulerLimits {
  size_t max_num_seqs = 256;
  size_t max_num_batched_tokens = 2048;
  size_t max_scored_rows = SIZE_MAX;  // logit rows of scored positions per step (at least 1)
};

// What the scheduler knows of a sequence.
struct ScheduledSequence {
  SequenceId id = 0;
  std::vector<int32_t> tokens;  // prompt + generated, in KV order
  size_t num_computed = 0;      // leading tokens whose KV is in the cache
  bool admitted = false;        // holds blocks (running)
  uint32_t preemptions = 0;
  uint32_t cached_tokens = 0;  // prompt tokens served by the prefix cache at first admission
  bool first_admission = true;
  // Positions [score_from, score_end) still want their logits (prompt scoring); the engine
  // advances score_from as their scores are delivered. Empty when score_from >= score_end.
  size_t score_from = 0, score_end = 0;

  bool scoring() const { return score_from < score_end; }
  // How many leading tokens the prefix cache may serve: none of the positions still to be scored.
  size_t cacheLimit() const { return scoring() ? score_from : SIZE_MAX; }
};

struct StepWork {
  ScheduledSequence* seq;
  size_t num_tokens;  // tokens to compute this step, from seq->num_computed
  bool wants_logits;  // the chunk reaches the sequence's last token: sample after it
  // Positions of this chunk whose logits are scored: [score_begin, score_begin + scored).
  size_t score_begin = 0, scored = 0;
};

struct SchedulerStep {
  std::vector<StepWork> work;
  std::vector<ScheduledSequence*> preempted;  // sent back to waiting during this step
  std::vector<ScheduledSequence*> rejected;   // can never fit in the KV cache: to be failed
  size_t num_tokens = 0;
};

class Scheduler {
 public:
  Scheduler(SchedulerLimits limits, BlockManager& blocks);

  // Appends to the waiting queue; the engine bounds it (max_waiting) before it gets here.
  void enqueue(std::shared_ptr<ScheduledSequence> seq);
  SchedulerStep schedule();
  // Marks tokens of a scheduled step as computed (after the forward pass).
  void commit(const StepWork& work);
  // Removes a sequence (finished, cancelled or failed) wherever it is; releases its blocks.
  void remove(SequenceId id);

  size_t running() const { return running_.size(); }
  size_t waiting() const { return waiting_.size(); }
  uint64_t preemptions() const { return preemptions_; }
  const SchedulerLimits& limits() const { return limits_; }
  bool idle() const { return running_.empty() && waiting_.empty(); }

 private:
  void preempt(size_t running_index, SchedulerStep& step);
  // The work for `n` tokens of `s` from its num_computed, shortened so that its scored positions
  // fit `rows_left` (which it consumes); num_tokens 0 when none fit.
  StepWork plan(ScheduledSequence* s, size_t n, size_t& rows_left) const;

  SchedulerLimits limits_;
  BlockManager& blocks_;
  std::deque<std::shared_ptr<ScheduledSequence>> waiting_;
  std::vector<std::shared_ptr<ScheduledSequence>> running_;  // admission order
  uint64_t preemptions_ = 0;
};

}  // namespace wharf::engine

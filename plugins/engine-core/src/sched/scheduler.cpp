#include "engine/sched/scheduler.hpp"

#include <algorithm>

namespace wharf::engine {

Scheduler::Scheduler(SchedulerLimits limits, BlockManager& blocks)
    : limits_(limits), blocks_(blocks) {
  limits_.max_num_seqs = std::max<size_t>(1, limits_.max_num_seqs);
  limits_.max_num_batched_tokens = std::max<size_t>(1, limits_.max_num_batched_tokens);
}

void Scheduler::enqueue(std::shared_ptr<ScheduledSequence> seq) {
  waiting_.push_back(std::move(seq));
}

void Scheduler::preempt(size_t index, SchedulerStep& step) {
  std::shared_ptr<ScheduledSequence> s = running_[index];
  running_.erase(running_.begin() + static_cast<long>(index));
  blocks_.release(s->id);
  s->num_computed = 0;
  s->admitted = false;
  ++s->preemptions;
  ++preemptions_;
  step.preempted.push_back(s.get());
  waiting_.push_front(std::move(s));
}

SchedulerStep Scheduler::schedule() {
  SchedulerStep step;
  size_t budget = limits_.max_num_batched_tokens;

  // Running sequences first, oldest first; the newest are preempted when blocks run out.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    ScheduledSequence* s = running_[i].get();
    size_t n = std::min(s->tokens.size() - s->num_computed, budget);
    bool self_preempted = false;
    while (!blocks_.ensureCapacity(s->id, s->num_computed + n)) {
      size_t victim = running_.size() - 1;
      if (victim == i) {
        self_preempted = true;
        break;
      }
      preempt(victim, step);
    }
    if (self_preempted) {
      if (running_.size() == 1) {
        // Alone and still without room: it can never fit.
        blocks_.release(s->id);
        s->admitted = false;
        step.rejected.push_back(s);
        running_.erase(running_.begin() + static_cast<long>(i));
      } else {
        preempt(i, step);
      }
      continue;
    }
    step.work.push_back({s, n, s->num_computed + n == s->tokens.size()});
    step.num_tokens += n;
    budget -= n;
    ++i;
  }

  // Then admit waiting sequences, unless this step had to preempt.
  while (step.preempted.empty() && budget > 0 && !waiting_.empty() &&
         running_.size() < limits_.max_num_seqs) {
    std::shared_ptr<ScheduledSequence> s = waiting_.front();
    size_t cached = blocks_.startSequence(s->id, s->tokens);
    s->num_computed = cached;
    size_t n = std::min(s->tokens.size() - s->num_computed, budget);
    if (!blocks_.ensureCapacity(s->id, s->num_computed + n)) {
      blocks_.release(s->id);
      s->num_computed = 0;
      if (running_.empty() && blocks_.usedBlocks() == 0) {
        // Not even an empty cache can take its next chunk.
        waiting_.pop_front();
        step.rejected.push_back(s.get());
        continue;
      }
      break;
    }
    if (s->first_admission) {
      s->cached_tokens = static_cast<uint32_t>(cached);
      s->first_admission = false;
    }
    s->admitted = true;
    waiting_.pop_front();
    running_.push_back(s);
    step.work.push_back({s.get(), n, s->num_computed + n == s->tokens.size()});
    step.num_tokens += n;
    budget -= n;
  }
  return step;
}

void Scheduler::commit(const StepWork& w) {
  w.seq->num_computed += w.num_tokens;
  blocks_.commitTokens(w.seq->id, w.seq->tokens, w.seq->num_computed);
}

void Scheduler::remove(SequenceId id) {
  auto r =
      std::find_if(running_.begin(), running_.end(), [&](const auto& s) { return s->id == id; });
  if (r != running_.end()) {
    (*r)->admitted = false;
    running_.erase(r);
  }
  auto w =
      std::find_if(waiting_.begin(), waiting_.end(), [&](const auto& s) { return s->id == id; });
  if (w != waiting_.end()) waiting_.erase(w);
  blocks_.release(id);
}

}  // namespace wharf::engine

#include "engine/sched/scheduler.hpp"

#include <algorithm>

namespace wharf::engine {

Scheduler::Scheduler(SchedulerLimits limits, BlockManager& blocks)
    : limits_(limits), blocks_(blocks) {
  limits_.max_num_seqs = std::max<size_t>(1, limits_.max_num_seqs);
  limits_.max_num_batched_tokens = std::max<size_t>(1, limits_.max_num_batched_tokens);
  limits_.max_scored_rows = std::max<size_t>(1, limits_.max_scored_rows);
}

StepWork Scheduler::plan(ScheduledSequence* s, size_t n, size_t& rows_left) const {
  StepWork w{s, n, false};
  if (s->scoring()) {
    const size_t begin = std::max(s->num_computed, s->score_from);
    const size_t end = std::min(s->num_computed + n, s->score_end);
    if (begin < end) {
      const size_t rows = std::min(end - begin, rows_left);
      // Too many: the chunk ends after the last scored position that fits this step.
      if (rows < end - begin) w.num_tokens = begin + rows - s->num_computed;
      w.score_begin = begin;
      w.scored = rows;
      rows_left -= rows;
    }
  }
  w.wants_logits = w.num_tokens > 0 && s->num_computed + w.num_tokens == s->tokens.size();
  return w;
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
  size_t rows_left = limits_.max_scored_rows;

  // Running sequences first, oldest first; the newest are preempted when blocks run out.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    ScheduledSequence* s = running_[i].get();
    size_t rows_before = rows_left;
    StepWork w = plan(s, std::min(s->tokens.size() - s->num_computed, budget), rows_left);
    const size_t n = w.num_tokens;
    if (n == 0) {  // its next positions are scored, and this step has no rows left for them
      ++i;
      continue;
    }
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
      rows_left = rows_before;
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
    step.work.push_back(w);
    step.num_tokens += n;
    budget -= n;
    ++i;
  }

  // Then admit waiting sequences, unless this step had to preempt.
  while (step.preempted.empty() && budget > 0 && !waiting_.empty() &&
         running_.size() < limits_.max_num_seqs) {
    std::shared_ptr<ScheduledSequence> s = waiting_.front();
    size_t cached = blocks_.startSequence(s->id, s->tokens, s->cacheLimit());
    s->num_computed = cached;
    const size_t rows_before = rows_left;
    StepWork w = plan(s.get(), std::min(s->tokens.size() - s->num_computed, budget), rows_left);
    const size_t n = w.num_tokens;
    if (n == 0) {  // no scoring rows left this step: it waits for the next
      blocks_.release(s->id);
      s->num_computed = 0;
      break;
    }
    if (!blocks_.ensureCapacity(s->id, s->num_computed + n)) {
      rows_left = rows_before;
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
    step.work.push_back(w);
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

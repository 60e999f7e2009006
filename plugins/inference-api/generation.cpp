#include "generation.hpp"

#include <chrono>
#include <cstddef>

namespace wharf::inference {

namespace {

// An event from an engine built before prompt scoring ends before these fields.
bool hasPromptScores(const wharf_generation_event* e) {
  return e->struct_size >=
             offsetof(wharf_generation_event, prompt_top_count) + sizeof(e->prompt_top_count) &&
         e->prompt_logprob_count > 0 && e->prompt_logprobs && e->prompt_ranks;
}

}  // namespace

Generation::~Generation() {
  cancelAll();
  // The engine may still be calling on_event for a cancelled choice: wait for its last event so
  // that no callback outlives this object.
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] {
    for (auto& s : slots_)
      if (s->id && !s->finished) return false;
    return true;
  });
}

void Generation::submit(const std::vector<int32_t>& prompt, const wharf_sampling_params& sampling,
                        bool want_logprobs) {
  auto slot = std::make_unique<Slot>();
  slot->owner = this;
  slot->index = slots_.size();
  slot->want_logprobs = want_logprobs;
  if (sampling.score_prompt) slot->prompt = prompt;
  wharf_generation_request req{};
  req.struct_size = sizeof(req);
  req.prompt_tokens = prompt.data();
  req.prompt_length = prompt.size();
  req.sampling = &sampling;
  req.on_event = &Generation::onEvent;
  req.on_event_ctx = slot.get();
  Slot* raw = slot.get();
  {
    std::lock_guard lock(mutex_);
    slots_.push_back(std::move(slot));
  }
  try {
    uint64_t id = engine_.submit(req);
    std::lock_guard lock(mutex_);
    if (!raw->finished) raw->id = id;
  } catch (...) {
    std::lock_guard lock(mutex_);
    slots_.pop_back();
    throw;
  }
}

void Generation::onEvent(void* ctx, const wharf_generation_event* e) {
  auto* slot = static_cast<Slot*>(ctx);
  Generation* self = slot->owner;
  Delta d;
  d.choice = slot->index;
  d.text.assign(e->text ? e->text : "", e->text_length);
  d.tokens.assign(e->tokens, e->tokens + e->token_count);
  if (slot->want_logprobs && e->logprobs) {
    for (size_t i = 0; i < e->token_count; ++i) {
      TokenLogprob lp;
      lp.token = e->tokens[i];
      lp.logprob = e->logprobs[i];
      for (size_t k = 0; e->top_ids && k < e->top_count; ++k)
        lp.top.emplace_back(e->top_ids[i * e->top_count + k],
                            e->top_logprobs[i * e->top_count + k]);
      d.logprobs.push_back(std::move(lp));
    }
  }
  if (!slot->prompt.empty() && hasPromptScores(e)) {
    d.prompt_start = e->prompt_logprob_start;
    for (size_t i = 0; i < e->prompt_logprob_count; ++i) {
      const size_t index = e->prompt_logprob_start + i;
      TokenLogprob lp;
      lp.token = index < slot->prompt.size() ? slot->prompt[index] : -1;
      lp.logprob = e->prompt_logprobs[i];
      lp.rank = e->prompt_ranks[i];
      for (size_t k = 0; e->prompt_top_ids && e->prompt_top_logprobs && k < e->prompt_top_count;
           ++k) {
        const int32_t id = e->prompt_top_ids[i * e->prompt_top_count + k];
        if (id >= 0)  // fewer alternatives than asked for are padded with -1
          lp.top.emplace_back(id, e->prompt_top_logprobs[i * e->prompt_top_count + k]);
      }
      d.prompt_scores.push_back(std::move(lp));
    }
  }
  d.finished = e->finished != 0;
  if (d.finished) {
    d.finish_reason = e->finish_reason ? e->finish_reason : "stop";
    if (e->stop_reason) d.stop_reason = e->stop_reason;
    if (e->error_message) d.error = e->error_message;
  }
  d.prompt_tokens = e->prompt_tokens;
  d.completion_tokens = e->completion_tokens;
  d.cached_tokens = e->cached_tokens;
  {
    std::lock_guard lock(self->mutex_);
    if (d.finished) {
      slot->finished = true;
      ++self->finished_;
    }
    self->queue_.push_back(std::move(d));
  }
  self->cv_.notify_all();
}

std::optional<Delta> Generation::next(int timeout_ms) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                    [this] { return !queue_.empty(); }))
    return std::nullopt;
  Delta d = std::move(queue_.front());
  queue_.pop_front();
  return d;
}

bool Generation::allFinished() const {
  std::lock_guard lock(mutex_);
  return finished_ == slots_.size() && queue_.empty();
}

void Generation::cancelAll() {
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : slots_)
      if (s->id && !s->finished) ids.push_back(s->id);
  }
  for (auto id : ids) engine_.cancel(id);
}

}  // namespace wharf::inference

#include "engine/sched/inference_engine.hpp"

#include <algorithm>

#include "engine/json.hpp"
#include "engine/text/chat_template.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

// Scores of consecutive prompt tokens, gathered during a step for the next event.
struct PromptScores {
  size_t start = 0;  // the prompt index that logprobs[0] scores
  size_t top = 0;    // alternatives per token
  std::vector<float> logprobs;
  std::vector<int32_t> ranks, top_ids;
  std::vector<float> top_logprobs;

  bool empty() const { return logprobs.empty(); }
  void add(size_t index, const SampledToken& t) {
    if (empty()) start = index;
    logprobs.push_back(t.logprob);
    ranks.push_back(t.rank);
    for (size_t k = 0; k < top; ++k) {
      top_ids.push_back(k < t.top_ids.size() ? t.top_ids[k] : -1);
      top_logprobs.push_back(k < t.top_logprobs.size() ? t.top_logprobs[k] : 0.0f);
    }
  }
  // Points the event at the scores (valid until clear()).
  void attach(wharf_generation_event& ev) const {
    if (empty()) return;
    ev.prompt_logprob_start = start;
    ev.prompt_logprob_count = logprobs.size();
    ev.prompt_logprobs = logprobs.data();
    ev.prompt_ranks = ranks.data();
    ev.prompt_top_ids = top_ids.data();
    ev.prompt_top_logprobs = top_logprobs.data();
    ev.prompt_top_count = top;
  }
  void clear() {
    logprobs.clear();
    ranks.clear();
    top_ids.clear();
    top_logprobs.clear();
  }
};

struct InferenceEngine::Request {
  uint64_t id = 0;
  std::shared_ptr<ScheduledSequence> seq;
  size_t prompt_length = 0;
  SamplingParams params;
  SamplerState sampler;
  RequestText text;
  wharf_generation_fn on_event = nullptr;
  void* ctx = nullptr;
  size_t generated = 0;
  bool done = false;
  PromptScores scores;  // prompt scores of this step, not yet sent

  Request(const Tokenizer& tok, SamplingParams p, const std::vector<int32_t>& prompt)
      : params(std::move(p)), sampler(params, prompt), text(tok, params) {}
};

namespace {

size_t blocksFromBudget(size_t bytes, size_t per_block) {
  return per_block == 0 ? 0 : bytes / per_block;
}

// Prompt scoring adds a row of logits per scored position to a step; their floats are bounded
// (128 MiB of f32 logits a step, at least a block of rows): longer prompts score in more chunks.
constexpr size_t kScoredLogitFloats = size_t{32} << 20;
size_t maxScoredRows(size_t vocab) {
  return std::max(kKvBlockSize, kScoredLogitFloats / std::max<size_t>(1, vocab));
}

// Refuses options an engine cannot run with, before anything is sized from them.
const EngineOptions& checked(const EngineOptions& o) {
  for (auto [value, key] :
       {std::pair{o.kv_cache_bytes, "kv_cache_bytes"}, std::pair{o.max_num_seqs, "max_num_seqs"},
        std::pair{o.max_num_batched_tokens, "max_num_batched_tokens"},
        std::pair{o.max_waiting, "max_waiting"}})
    if (value == 0) throw Error(WHARF_ERR_INVALID_ARGUMENT, std::string(key) + " must be positive");
  return o;
}

}  // namespace

InferenceEngine::InferenceEngine(std::unique_ptr<Tokenizer> tokenizer,
                                 std::optional<std::string> chat_template,
                                 std::unique_ptr<ModelRunner> runner, EngineOptions options)
    : runner_(std::move(runner)),
      tokenizer_(std::move(tokenizer)),
      options_(checked(options)),
      max_model_len_(options_.max_model_len
                         ? options_.max_model_len
                         : static_cast<size_t>(runner_->config().context_length)),
      vocab_(static_cast<size_t>(runner_->config().vocab_size)),
      blocks_(blocksFromBudget(options_.kv_cache_bytes, runner_->kvBytesPerBlock()),
              options_.prefix_caching),
      scheduler_(SchedulerLimits{options_.max_num_seqs, options_.max_num_batched_tokens,
                                 maxScoredRows(vocab_)},
                 blocks_),
      sampler_(tokenizer_->endOfGenerationIds()) {
  const size_t per_block = runner_->kvBytesPerBlock();
  if (max_model_len_ > static_cast<size_t>(runner_->config().context_length)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "max_model_len " + std::to_string(max_model_len_) +
                                                " is larger than the model's context length " +
                                                std::to_string(runner_->config().context_length));
  }
  if (blocks_.totalBlocks() < BlockManager::blocksFor(max_model_len_)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "kv_cache_bytes " + std::to_string(options_.kv_cache_bytes) +
                    " holds fewer tokens than one max_model_len (" +
                    std::to_string(max_model_len_) + ") sequence needs (" +
                    std::to_string(BlockManager::blocksFor(max_model_len_) * per_block) +
                    " bytes); raise kv_cache_bytes or lower max_model_len");
  }
  if (options_.model_id.empty()) {
    options_.model_id = runner_->config().name.empty() ? "model" : runner_->config().name;
  }
  if (chat_template) chat_template_ = std::make_unique<ChatTemplate>(*chat_template);
  runner_->allocateKvCache(blocks_.totalBlocks());
  publishStats();
  thread_ = std::thread([this] { loop(); });
}

InferenceEngine::~InferenceEngine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<int32_t> InferenceEngine::tokenize(std::string_view text, bool add_special) const {
  return tokenizer_->encode(text, add_special);
}

std::string InferenceEngine::detokenize(const std::vector<int32_t>& tokens, bool skip) const {
  for (int32_t t : tokens) {
    if (t < 0 || static_cast<size_t>(t) >= tokenizer_->vocabSize()) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "token id " + std::to_string(t) + " out of range");
    }
  }
  return tokenizer_->decode(tokens, skip);
}

std::string InferenceEngine::applyChatTemplate(const std::string& messages_json,
                                               bool add_generation_prompt) const {
  if (!chat_template_) {
    throw Error(WHARF_ERR_UNSUPPORTED, "the model has no chat template");
  }
  const Json messages = parseJson<Json>(messages_json);
  if (!messages.is_array()) throw Error(WHARF_ERR_INVALID_ARGUMENT, "messages must be an array");
  auto special = [&](int32_t id) { return id >= 0 ? tokenizer_->tokenText(id) : std::string(); };
  return chat_template_->render(messages, add_generation_prompt, special(tokenizer_->bosId()),
                                special(tokenizer_->eosId()));
}

std::string InferenceEngine::modelInfo() const {
  const ModelConfig& c = runner_->config();
  Json j;
  j["id"] = options_.model_id;
  j["object"] = "model";
  j["name"] = c.name;
  j["architecture"] = c.architecture;
  j["quantization"] = c.quantization.empty() ? Json(nullptr) : Json(c.quantization);
  j["max_model_len"] = static_cast<uint64_t>(max_model_len_);
  j["context_length"] = c.context_length;
  j["vocab_size"] = c.vocab_size;
  j["embedding_length"] = c.embedding_length;
  j["layers"] = c.block_count;
  j["heads"] = c.head_count;
  j["kv_heads"] = c.head_count_kv;
  j["kv_block_size"] = static_cast<uint64_t>(kKvBlockSize);
  j["kv_blocks"] = static_cast<uint64_t>(blocks_.totalBlocks());
  j["threads"] = runner_->parallelism();
  j["tensor_parallel_size"] = runner_->tensorParallelSize();
  j["has_chat_template"] = chat_template_ != nullptr;
  j["bos_token_id"] = tokenizer_->bosId();
  j["eos_token_id"] = tokenizer_->eosId();
  j["prompt_scoring"] = true;  // wharf_sampling_params.score_prompt and max_tokens 0
  return toJsonText(j);
}

void InferenceEngine::health() const {
  const std::string fault = runner_->fault();
  if (!fault.empty()) throw Error(WHARF_ERR_UNAVAILABLE, "the engine's device failed: " + fault);
}

std::string InferenceEngine::stats() const {
  Counters c;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    c = counters_;
  }
  Json j;
  j["model"] = options_.model_id;
  j["quantization"] =
      runner_->config().quantization.empty() ? Json(nullptr) : Json(runner_->config().quantization);
  j["kv_block_size"] = static_cast<uint64_t>(kKvBlockSize);
  j["kv_blocks_total"] = static_cast<uint64_t>(blocks_.totalBlocks());
  j["kv_blocks_used"] = static_cast<uint64_t>(c.blocks_used);
  j["kv_blocks_free"] = static_cast<uint64_t>(c.blocks_free);
  j["kv_blocks_cached"] = static_cast<uint64_t>(c.cached_blocks);
  double total = static_cast<double>(blocks_.totalBlocks());
  j["kv_cache_usage"] = total > 0 ? static_cast<double>(c.blocks_used) / total : 0.0;
  j["num_requests_running"] = static_cast<uint64_t>(c.running);
  j["num_requests_waiting"] = static_cast<uint64_t>(c.waiting);
  j["prefix_cache_queried_tokens"] = c.prefix_queried;
  j["prefix_cache_hit_tokens"] = c.prefix_hits;
  j["prefix_cache_hit_rate"] =
      c.prefix_queried ? static_cast<double>(c.prefix_hits) / static_cast<double>(c.prefix_queried)
                       : 0.0;
  j["num_preemptions_total"] = c.preemptions;
  j["prompt_tokens_total"] = c.prompt_tokens;
  j["generation_tokens_total"] = c.generation_tokens;
  j["steps_total"] = c.steps;
  Json finished;
  finished["stop"] = c.finished_stop;
  finished["length"] = c.finished_length;
  finished["abort"] = c.finished_abort;
  finished["error"] = c.finished_error;
  j["request_success_total"] = std::move(finished);
  j["max_num_seqs"] = static_cast<uint64_t>(options_.max_num_seqs);
  j["max_num_batched_tokens"] = static_cast<uint64_t>(options_.max_num_batched_tokens);
  j["max_waiting"] = static_cast<uint64_t>(options_.max_waiting);
  const RunnerMemory m = runner_->memory();
  Json memory;
  memory["device"] = m.device;
  j["tensor_parallel_size"] = runner_->tensorParallelSize();
  memory["weights_bytes"] = m.weights_bytes;
  memory["kv_cache_bytes"] = m.kv_cache_bytes;
  memory["workspace_bytes"] = m.workspace_bytes;
  memory["device_total_bytes"] = m.device_total_bytes;
  memory["device_free_bytes"] = m.device_free_bytes;
  j["memory"] = std::move(memory);
  return toJsonText(j);
}

uint64_t InferenceEngine::submit(const wharf_generation_request& req) {
  if (!req.on_event) throw Error(WHARF_ERR_INVALID_ARGUMENT, "on_event is required");
  health();  // a failed device takes no new work
  if (req.prompt_length == 0 || !req.prompt_tokens) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "the prompt is empty");
  }
  std::vector<int32_t> prompt(req.prompt_tokens, req.prompt_tokens + req.prompt_length);
  for (int32_t t : prompt) {
    if (t < 0 || static_cast<size_t>(t) >= vocab_) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  "prompt token id " + std::to_string(t) + " out of range");
    }
  }
  SamplingParams params = SamplingParams::fromC(req.sampling, static_cast<int64_t>(vocab_));
  // A prompt that is only computed (max_tokens 0) may fill the context.
  const bool generates = params.max_tokens > 0;
  if (prompt.size() > max_model_len_ || (generates && prompt.size() == max_model_len_)) {
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "the prompt has " + std::to_string(prompt.size()) +
                    " tokens, but this model's maximum context length is " +
                    std::to_string(max_model_len_) +
                    " tokens (prompt plus at least one generated)");
  }
  const bool score = params.prompt_logprobs >= 0;
  auto r = std::make_unique<Request>(*tokenizer_, std::move(params), prompt);
  r->id = next_id_.fetch_add(1);
  r->prompt_length = prompt.size();
  r->on_event = req.on_event;
  r->ctx = req.on_event_ctx;
  r->seq = std::make_shared<ScheduledSequence>();
  r->seq->id = r->id;
  // Scoring: the logits of positions [0, prompt - 1) score prompt tokens [1, prompt).
  if (score) r->seq->score_end = prompt.size() - 1;
  r->scores.top =
      score ? std::min<size_t>(static_cast<size_t>(r->params.prompt_logprobs), vocab_) : 0;
  r->seq->tokens = std::move(prompt);
  uint64_t id = r->id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) throw Error(WHARF_ERR_UNAVAILABLE, "the engine is shutting down");
    if (waiting_.load() + incoming_.size() >= options_.max_waiting) {
      throw Error(WHARF_ERR_UNAVAILABLE, "the waiting queue is full (" +
                                             std::to_string(options_.max_waiting) +
                                             " requests); retry later");
    }
    incoming_.push_back(std::move(r));
  }
  wake_.notify_all();
  return id;
}

void InferenceEngine::cancel(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancels_.push_back(id);
  }
  wake_.notify_all();
}

void InferenceEngine::loop() {
  for (;;) {
    std::deque<std::unique_ptr<Request>> incoming;
    std::vector<uint64_t> cancels;
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] {
        return stop_ || !incoming_.empty() || !cancels_.empty() || !scheduler_.idle();
      });
      stopping = stop_;
      incoming.swap(incoming_);
      cancels.swap(cancels_);
    }
    for (auto& r : incoming) {
      scheduler_.enqueue(r->seq);
      prompt_tokens_ += r->prompt_length;
      uint64_t id = r->id;
      requests_.emplace(id, std::move(r));
    }
    if (stopping) {
      for (auto& [id, r] : requests_) {
        scheduler_.remove(id);
        finish(*r, "abort", r->text.finish());
      }
      requests_.clear();
      publishStats();
      return;
    }
    for (uint64_t id : cancels) {
      auto it = requests_.find(id);
      if (it == requests_.end()) continue;
      scheduler_.remove(id);
      finish(*it->second, "abort", it->second->text.finish());
      requests_.erase(it);
    }
    if (!scheduler_.idle()) step();
    publishStats();
  }
}

void InferenceEngine::step() {
  SchedulerStep plan = scheduler_.schedule();
  for (ScheduledSequence* s : plan.rejected) {
    auto it = requests_.find(s->id);
    if (it == requests_.end()) continue;
    scheduler_.remove(s->id);
    finish(*it->second, "error", "", "the sequence does not fit in the KV cache");
    requests_.erase(it);
  }
  if (plan.work.empty()) return;

  // Per work item: its first row, its scored rows, whether a token is sampled after them.
  struct WorkRows {
    size_t first = 0, scored = 0;
    bool sample = false;
  };
  std::vector<WorkRows> work_rows(plan.work.size());
  ForwardBatch batch;
  try {
    // One sampling (or scoring) row per logit row, in batch order: every scheduled sequence has
    // its request.
    rows_.clear();
    for (size_t i = 0; i < plan.work.size(); ++i) {
      const StepWork& w = plan.work[i];
      Request& r = *requests_.at(w.seq->id);
      WorkRows& wr = work_rows[i];
      wr.first = rows_.size();
      wr.scored = w.scored;
      // A request that generates nothing (max_tokens 0) ends once its prompt is computed.
      wr.sample = w.wants_logits && r.params.max_tokens > 0;
      batch.block_tables.push_back(&blocks_.blockTable(w.seq->id));
      const size_t end = w.seq->num_computed + w.num_tokens;
      for (size_t k = w.seq->num_computed; k < end; ++k) {
        const bool scored = k >= w.score_begin && k < w.score_begin + w.scored;
        const bool sampled = wr.sample && k + 1 == end;
        batch.add(w.seq->tokens[k], static_cast<int32_t>(k), static_cast<int32_t>(i),
                  scored || sampled);
        if (scored)
          rows_.push_back(SamplingRow{&r.params, &r.sampler, w.seq->tokens[k + 1]});
        else if (sampled)
          rows_.push_back(SamplingRow{&r.params, &r.sampler});
      }
    }
    runner_->step(batch, rows_, sampler_, sampled_);
    if (sampled_.size() != rows_.size())
      throw Error(WHARF_ERR_INTERNAL, "the runner answered " + std::to_string(sampled_.size()) +
                                          " rows for " + std::to_string(rows_.size()));
  } catch (const std::exception& e) {
    for (const StepWork& w : plan.work) {
      auto it = requests_.find(w.seq->id);
      if (it == requests_.end()) continue;
      scheduler_.remove(w.seq->id);
      finish(*it->second, "error", "", std::string("forward pass failed: ") + e.what());
      requests_.erase(it);
    }
    return;
  }
  ++steps_;

  for (size_t i = 0; i < plan.work.size(); ++i) {
    const StepWork& w = plan.work[i];
    const WorkRows& wr = work_rows[i];
    scheduler_.commit(w);
    auto it = requests_.find(w.seq->id);
    if (it == requests_.end()) continue;
    Request& r = *it->second;
    if (wr.scored > 0) {
      // Position k's logits score prompt token k + 1.
      for (size_t j = 0; j < wr.scored; ++j)
        r.scores.add(w.score_begin + j + 1, sampled_[wr.first + j]);
      w.seq->score_from = w.score_begin + wr.scored;
    }
    if (wr.sample) {
      const SampledToken& sampled = sampled_[wr.first + wr.scored];
      emitToken(r, sampled.id, sampled);
    } else if (w.wants_logits) {
      finish(r, "length", r.text.finish());  // max_tokens 0: the prompt is computed
    } else if (!r.scores.empty()) {
      emitScores(r);
    }
    if (r.done) {
      scheduler_.remove(r.id);
      requests_.erase(it);
    }
  }
}

void InferenceEngine::emitScores(Request& r) {
  wharf_generation_event ev{};
  ev.struct_size = sizeof ev;
  ev.request_id = r.id;
  ev.text = "";
  ev.prompt_tokens = static_cast<uint32_t>(r.prompt_length);
  ev.completion_tokens = static_cast<uint32_t>(r.generated);
  ev.cached_tokens = r.seq->cached_tokens;
  r.scores.attach(ev);
  r.on_event(r.ctx, &ev);
  r.scores.clear();
}

void InferenceEngine::emitToken(Request& r, int32_t token, const SampledToken& sampled) {
  r.sampler.accept(token);
  r.seq->tokens.push_back(token);
  ++r.generated;
  ++generation_tokens_;
  const SamplingParams& p = r.params;

  const char* reason = nullptr;
  std::string stop_reason;
  bool ends_by_token = false;
  if (!p.ignore_eos && tokenizer_->isEndOfGeneration(token)) {
    reason = "stop";
    ends_by_token = true;
  } else if (std::find(p.stop_token_ids.begin(), p.stop_token_ids.end(), token) !=
             p.stop_token_ids.end()) {
    reason = "stop";
    stop_reason = std::to_string(token);
    ends_by_token = true;
  }
  std::string text;
  bool stopped_by_string = false;
  if (!ends_by_token) {
    RequestText::Piece piece = r.text.add(token);
    text = std::move(piece.text);
    if (piece.stop) {
      reason = "stop";
      stop_reason = *piece.stop;
      stopped_by_string = true;
    }
  }
  if (!reason && (r.generated >= static_cast<size_t>(p.max_tokens) ||
                  r.seq->tokens.size() >= max_model_len_)) {
    reason = "length";
  }
  // Ending for any reason but a stop string releases the text held back for stop matching.
  if (reason && !stopped_by_string) text += r.text.finish();

  wharf_generation_event ev{};
  ev.struct_size = sizeof ev;
  ev.request_id = r.id;
  ev.tokens = &token;
  ev.token_count = 1;
  ev.text = text.c_str();
  ev.text_length = text.size();
  if (p.logprobs >= 0) {
    ev.logprobs = &sampled.logprob;
    ev.top_ids = sampled.top_ids.data();
    ev.top_logprobs = sampled.top_logprobs.data();
    ev.top_count = sampled.top_ids.size();
  }
  ev.prompt_tokens = static_cast<uint32_t>(r.prompt_length);
  ev.completion_tokens = static_cast<uint32_t>(r.generated);
  ev.cached_tokens = r.seq->cached_tokens;
  if (reason) {
    ev.finished = 1;
    ev.finish_reason = reason;
    ev.stop_reason = stop_reason.empty() ? nullptr : stop_reason.c_str();
    r.done = true;
    (std::string(reason) == "stop" ? finished_stop_ : finished_length_)++;
  }
  r.scores.attach(ev);
  r.on_event(r.ctx, &ev);
  r.scores.clear();
}

void InferenceEngine::finish(Request& r, const char* reason, std::string text,
                             const std::string& error) {
  if (r.done) return;
  r.done = true;
  wharf_generation_event ev{};
  ev.struct_size = sizeof ev;
  ev.request_id = r.id;
  ev.text = text.c_str();
  ev.text_length = text.size();
  ev.finished = 1;
  ev.finish_reason = reason;
  ev.prompt_tokens = static_cast<uint32_t>(r.prompt_length);
  ev.completion_tokens = static_cast<uint32_t>(r.generated);
  ev.cached_tokens = r.seq->cached_tokens;
  ev.error_message = error.empty() ? nullptr : error.c_str();
  std::string why = reason;
  if (why == "abort")
    ++finished_abort_;
  else if (why == "error")
    ++finished_error_;
  else if (why == "length")
    ++finished_length_;
  else if (why == "stop")
    ++finished_stop_;
  r.scores.attach(ev);
  r.on_event(r.ctx, &ev);
  r.scores.clear();
}

void InferenceEngine::publishStats() {
  size_t waiting = scheduler_.waiting();
  waiting_.store(waiting);
  std::lock_guard<std::mutex> lock(stats_mutex_);
  counters_.running = scheduler_.running();
  counters_.waiting = waiting;
  counters_.blocks_used = blocks_.usedBlocks();
  counters_.blocks_free = blocks_.freeBlocks();
  counters_.cached_blocks = blocks_.cachedBlocks();
  counters_.prompt_tokens = prompt_tokens_;
  counters_.generation_tokens = generation_tokens_;
  counters_.preemptions = scheduler_.preemptions();
  counters_.steps = steps_;
  counters_.prefix_queried = blocks_.prefixQueriedTokens();
  counters_.prefix_hits = blocks_.prefixHitTokens();
  counters_.finished_stop = finished_stop_;
  counters_.finished_length = finished_length_;
  counters_.finished_abort = finished_abort_;
  counters_.finished_error = finished_error_;
}

}  // namespace wharf::engine

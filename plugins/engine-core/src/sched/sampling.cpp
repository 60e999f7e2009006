#include "engine/sched/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void badParam(const std::string& what) {
  throw Error(WHARF_ERR_INVALID_ARGUMENT, what);
}

// True when the caller's struct is large enough to contain `field`.
#define WHARF_HAS_FIELD(p, field) \
  ((p)->struct_size >= offsetof(wharf_sampling_params, field) + sizeof((p)->field))

// log(sum(exp(logits))) of one row, stably: the maximum taken out (each term is in (0, 1]), the
// terms in f32 and their sum in f64.
double logNormaliser(const float* logits, size_t vocab) {
  const float max = *std::max_element(logits, logits + vocab);
  if (!std::isfinite(max)) return max;
  double sum = 0;
  for (size_t i = 0; i < vocab; ++i) sum += static_cast<double>(std::exp(logits[i] - max));
  return static_cast<double>(max) + std::log(sum);
}

// The k largest entries' ids, largest first (ties: the lower id first), without sorting the row.
std::vector<int32_t> topIds(const float* v, size_t vocab, size_t k) {
  k = std::min(k, vocab);
  std::vector<int32_t> ids;
  if (k == 0) return ids;
  ids.reserve(k + 1);
  // `before(a, b)`: a ranks above b. The heap's front is the weakest kept entry.
  auto before = [&](int32_t a, int32_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); };
  for (size_t i = 0; i < vocab; ++i) {
    const auto id = static_cast<int32_t>(i);
    if (ids.size() < k) {
      ids.push_back(id);
      std::push_heap(ids.begin(), ids.end(), before);
    } else if (before(id, ids.front())) {
      std::pop_heap(ids.begin(), ids.end(), before);
      ids.back() = id;
      std::push_heap(ids.begin(), ids.end(), before);
    }
  }
  std::sort_heap(ids.begin(), ids.end(), before);
  return ids;
}

}  // namespace

SamplingParams SamplingParams::fromC(const wharf_sampling_params* p, int64_t vocab) {
  SamplingParams s;
  if (!p) return s;
  if (WHARF_HAS_FIELD(p, max_tokens)) s.max_tokens = p->max_tokens;
  if (WHARF_HAS_FIELD(p, min_tokens)) s.min_tokens = p->min_tokens;
  if (WHARF_HAS_FIELD(p, temperature)) s.temperature = p->temperature;
  if (WHARF_HAS_FIELD(p, top_p)) s.top_p = p->top_p;
  if (WHARF_HAS_FIELD(p, top_k)) s.top_k = p->top_k;
  if (WHARF_HAS_FIELD(p, min_p)) s.min_p = p->min_p;
  if (WHARF_HAS_FIELD(p, presence_penalty)) s.presence_penalty = p->presence_penalty;
  if (WHARF_HAS_FIELD(p, frequency_penalty)) s.frequency_penalty = p->frequency_penalty;
  if (WHARF_HAS_FIELD(p, repetition_penalty)) s.repetition_penalty = p->repetition_penalty;
  if (WHARF_HAS_FIELD(p, seed)) {
    s.has_seed = p->has_seed != 0;
    s.seed = p->seed;
  }
  if (WHARF_HAS_FIELD(p, stop_count) && p->stop_count > 0) {
    if (!p->stop) badParam("stop: missing strings");
    for (size_t i = 0; i < p->stop_count; ++i) {
      if (!p->stop[i]) badParam("stop: null string");
      if (p->stop[i][0] != '\0') s.stop.emplace_back(p->stop[i]);
    }
  }
  if (WHARF_HAS_FIELD(p, stop_token_count) && p->stop_token_count > 0) {
    if (!p->stop_token_ids) badParam("stop_token_ids: missing ids");
    s.stop_token_ids.assign(p->stop_token_ids, p->stop_token_ids + p->stop_token_count);
  }
  if (WHARF_HAS_FIELD(p, logit_bias_count) && p->logit_bias_count > 0) {
    if (!p->logit_bias_ids || !p->logit_bias_values) badParam("logit_bias: missing arrays");
    for (size_t i = 0; i < p->logit_bias_count; ++i) {
      int32_t id = p->logit_bias_ids[i];
      if (id < 0 || id >= vocab)
        badParam("logit_bias: token id " + std::to_string(id) + " out of range");
      s.logit_bias[id] = p->logit_bias_values[i];
    }
  }
  if (WHARF_HAS_FIELD(p, ignore_eos)) s.ignore_eos = p->ignore_eos != 0;
  if (WHARF_HAS_FIELD(p, include_stop_str_in_output)) {
    s.include_stop_str_in_output = p->include_stop_str_in_output != 0;
  }
  if (WHARF_HAS_FIELD(p, skip_special_tokens)) s.skip_special_tokens = p->skip_special_tokens != 0;
  if (WHARF_HAS_FIELD(p, logprobs)) s.logprobs = p->logprobs;
  if (WHARF_HAS_FIELD(p, prompt_top_logprobs) && p->score_prompt) {
    if (p->prompt_top_logprobs < 0 || p->prompt_top_logprobs > 20)
      badParam("prompt_top_logprobs must be between 0 and 20");
    s.prompt_logprobs = p->prompt_top_logprobs;
  }

  // 0: compute (and score) the prompt only.
  if (s.max_tokens < 0) badParam("max_tokens must not be negative");
  if (s.min_tokens < 0 || s.min_tokens > s.max_tokens) {
    badParam("min_tokens must be between 0 and max_tokens");
  }
  if (!(s.temperature >= 0) || !std::isfinite(s.temperature)) badParam("temperature must be >= 0");
  if (!(s.top_p > 0 && s.top_p <= 1)) badParam("top_p must be in (0, 1]");
  if (!(s.min_p >= 0 && s.min_p <= 1)) badParam("min_p must be in [0, 1]");
  if (!(s.repetition_penalty > 0) || !std::isfinite(s.repetition_penalty)) {
    badParam("repetition_penalty must be > 0");
  }
  if (!std::isfinite(s.presence_penalty) || !std::isfinite(s.frequency_penalty)) {
    badParam("penalties must be finite");
  }
  if (s.logprobs > 20) badParam("logprobs must be at most 20");
  for (int32_t id : s.stop_token_ids) {
    if (id < 0 || id >= vocab)
      badParam("stop_token_ids: id " + std::to_string(id) + " out of range");
  }
  return s;
}

SamplerState::SamplerState(const SamplingParams& params, const std::vector<int32_t>& prompt)
    : rng_(params.has_seed ? params.seed : std::random_device{}()) {
  if (params.repetition_penalty != 1.0f) {
    for (int32_t t : prompt) seen_[t] = true;
  }
}

void SamplerState::accept(int32_t token) {
  ++output_counts_[token];
  seen_[token] = true;
  ++generated_;
}

SampledToken Sampler::sample(float* logits, size_t vocab, const SamplingParams& p,
                             SamplerState& st) const {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  SampledToken out;
  // Log-probabilities of the raw logits, before the penalties, bias and masks below change them.
  std::vector<float> logprobs;
  if (p.logprobs >= 0) {
    const double log_z = logNormaliser(logits, vocab);
    logprobs.resize(vocab);
    for (size_t i = 0; i < vocab; ++i)
      logprobs[i] = static_cast<float>(static_cast<double>(logits[i]) - log_z);
  }
  // Penalties (vLLM's order and definitions).
  if (p.repetition_penalty != 1.0f) {
    for (const auto& [t, _] : st.seen_) {
      float& l = logits[t];
      l = l > 0 ? l / p.repetition_penalty : l * p.repetition_penalty;
    }
  }
  if (p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f) {
    for (const auto& [t, n] : st.output_counts_) {
      logits[t] -= p.frequency_penalty * static_cast<float>(n) + p.presence_penalty;
    }
  }
  for (const auto& [t, b] : p.logit_bias) logits[t] += b;
  if (st.generated_ < static_cast<size_t>(p.min_tokens)) {
    for (int32_t t : p.stop_token_ids) logits[t] = neg_inf;
    if (!p.ignore_eos) {
      for (int32_t t : eog_) {
        if (static_cast<size_t>(t) < vocab) logits[t] = neg_inf;
      }
    }
  }

  if (p.greedy()) {
    out.id = static_cast<int32_t>(std::max_element(logits, logits + vocab) - logits);
  } else {
    // Candidates: all tokens, or the top-k. Top-p needs them in order, but only until the kept
    // mass reaches p, so a growing prefix is sorted instead of the whole vocabulary.
    std::vector<int32_t> idx(vocab);
    std::iota(idx.begin(), idx.end(), 0);
    auto by_logit = [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    };
    if (p.top_k > 0 && static_cast<size_t>(p.top_k) < vocab) {
      std::nth_element(idx.begin(), idx.begin() + p.top_k, idx.end(), by_logit);
      idx.resize(static_cast<size_t>(p.top_k));
    }
    float max = -std::numeric_limits<float>::infinity();
    for (int32_t i : idx) max = std::max(max, logits[i]);
    auto weight = [&](int32_t i) {
      return std::exp(static_cast<double>(logits[i] - max) / p.temperature);
    };
    double total = 0;
    for (int32_t i : idx) total += weight(i);
    size_t keep = idx.size();
    if (p.top_p < 1.0f) {
      for (size_t m = std::min<size_t>(64, idx.size());; m = std::min(m * 4, idx.size())) {
        std::partial_sort(idx.begin(), idx.begin() + static_cast<long>(m), idx.end(), by_logit);
        double cum = 0;
        size_t found = 0;
        for (size_t i = 0; i < m; ++i) {
          cum += weight(idx[i]);
          if (cum / total >= p.top_p) {
            found = i + 1;
            break;
          }
        }
        if (found || m == idx.size()) {
          keep = found ? found : m;
          break;
        }
      }
    }
    std::vector<double> probs(keep);
    for (size_t i = 0; i < keep; ++i) probs[i] = weight(idx[i]);
    if (p.min_p > 0.0f) {
      double floor = p.min_p * (1.0 / total);  // the top token's probability is exp(0) / total
      for (size_t i = 0; i < keep; ++i) {
        if (probs[i] / total < floor) probs[i] = 0;
      }
    }
    double kept = 0;
    for (size_t i = 0; i < keep; ++i) kept += probs[i];
    std::uniform_real_distribution<double> uniform(0.0, kept);
    double r = uniform(st.rng_);
    out.id = idx[keep - 1];
    for (size_t i = 0; i < keep; ++i) {
      if (probs[i] <= 0) continue;
      if (r < probs[i]) {
        out.id = idx[i];
        break;
      }
      r -= probs[i];
    }
  }

  if (p.logprobs >= 0) {
    out.logprob = logprobs[static_cast<size_t>(out.id)];
    out.top_ids = topIds(logprobs.data(), vocab, static_cast<size_t>(p.logprobs));
    for (int32_t id : out.top_ids) out.top_logprobs.push_back(logprobs[static_cast<size_t>(id)]);
  }
  return out;
}

SampledToken Sampler::score(const float* logits, size_t vocab, int32_t token, int32_t top) {
  if (token < 0 || static_cast<size_t>(token) >= vocab)
    throw Error(WHARF_ERR_INTERNAL, "scored token id " + std::to_string(token) + " out of range");
  SampledToken out;
  out.id = token;
  const double log_z = logNormaliser(logits, vocab);
  const float mine = logits[token];
  out.logprob = static_cast<float>(static_cast<double>(mine) - log_z);
  // Rank: one more than the tokens strictly more likely (a NaN row ranks it first).
  size_t above = 0;
  for (size_t i = 0; i < vocab; ++i) above += logits[i] > mine;
  out.rank = static_cast<int32_t>(above + 1);
  if (top > 0) {
    out.top_ids = topIds(logits, vocab, static_cast<size_t>(top));
    for (int32_t id : out.top_ids)
      out.top_logprobs.push_back(static_cast<float>(static_cast<double>(logits[id]) - log_z));
  }
  return out;
}

}  // namespace wharf::engine

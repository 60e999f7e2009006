#include "engine/sched/model_runner.hpp"

#include "wharf/cpp/error.hpp"

namespace wharf::engine {

void ModelRunner::step(const ForwardBatch& batch, const std::vector<SamplingRow>& rows,
                       const Sampler& sampler, std::vector<SampledToken>& out) {
  if (rows.size() != batch.logit_rows.size())
    throw Error(WHARF_ERR_INTERNAL, "step: " + std::to_string(rows.size()) + " sampling rows for " +
                                        std::to_string(batch.logit_rows.size()) + " logit rows");
  forward(batch, step_logits_);
  const size_t vocab = static_cast<size_t>(config().vocab_size);
  out.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    float* row = step_logits_.data() + i * vocab;
    out[i] = rows[i].score_token >= 0
                 ? Sampler::score(row, vocab, rows[i].score_token, rows[i].params->prompt_logprobs)
                 : sampler.sample(row, vocab, *rows[i].params, *rows[i].state);
  }
}

}  // namespace wharf::engine

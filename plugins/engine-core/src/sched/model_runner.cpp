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
  for (size_t i = 0; i < rows.size(); ++i)
    out[i] =
        sampler.sample(step_logits_.data() + i * vocab, vocab, *rows[i].params, *rows[i].state);
}

}  // namespace wharf::engine

#include "engine/cpu/cpu_llama_runner.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include "engine/model/q8_head.hpp"
#include "engine/model/quant_blocks.hpp"
#include "engine/parallel/cpu_communicator.hpp"
#include "engine/parallel/tensor_parallel_plan.hpp"
#include "engine/parallel/tensor_parallel_runner.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine {

namespace {
constexpr size_t kMaxHeadDim = 256;
}  // namespace

CpuLlamaRunner::CpuLlamaRunner(std::shared_ptr<const GgufFile> gguf, int threads)
    : CpuLlamaRunner(gguf, readModelConfig(*gguf),
                     LlamaWeights::load(*gguf, readModelConfig(*gguf)), threads) {}

CpuLlamaRunner::CpuLlamaRunner(std::shared_ptr<const HfCheckpoint> hf, int threads)
    : CpuLlamaRunner(hf, hf->config, hf->weights, threads) {}

CpuLlamaRunner::CpuLlamaRunner(std::shared_ptr<const void> storage, ModelConfig config,
                               LlamaWeights weights, int threads)
    : storage_(std::move(storage)),
      config_(std::move(config)),
      weights_(std::move(weights)),
      kern_(kernels()),
      pool_(threads) {
  for (double f : ropeInverseFrequencies(config_, weights_.rope_freq_factors))
    inv_freq_.push_back(static_cast<float>(f));
  scores_.resize(static_cast<size_t>(pool_.size()));
  weights_bytes_ = weights_.bytes();
  if (static_cast<size_t>(config_.head_dim) > kMaxHeadDim) {
    throw Error(WHARF_ERR_UNSUPPORTED, "head size above " + std::to_string(kMaxHeadDim));
  }
}

size_t CpuLlamaRunner::kvBytesPerBlock() const {
  return 2 * static_cast<size_t>(config_.block_count) * kKvBlockSize *
         static_cast<size_t>(config_.kvDim()) * sizeof(uint16_t);
}

void CpuLlamaRunner::allocateKvCache(size_t blocks) {
  kv_blocks_ = blocks;
  size_t n = static_cast<size_t>(config_.block_count) * blocks * kKvBlockSize *
             static_cast<size_t>(config_.kvDim());
  k_cache_.reset();
  v_cache_.reset();
  k_cache_.reset(new uint16_t[n]);
  v_cache_.reset(new uint16_t[n]);
  kv_bytes_ = 2 * n * sizeof(uint16_t);
}

RunnerMemory CpuLlamaRunner::memory() const {
  RunnerMemory m;
  m.device = "cpu";
  m.weights_bytes = weights_bytes_;
  m.kv_cache_bytes = kv_bytes_.load();
  m.workspace_bytes = workspace_bytes_.load();
  return m;
}

uint16_t* CpuLlamaRunner::kvSlot(uint16_t* cache, size_t layer, int32_t block, size_t slot) const {
  size_t index = ((layer * kv_blocks_ + static_cast<size_t>(block)) * kKvBlockSize + slot) *
                 static_cast<size_t>(config_.kvDim());
  return cache + index;
}

void CpuLlamaRunner::rmsNorm(const float* x, const std::vector<float>& w, float* out,
                             size_t rows) const {
  const size_t d = w.size();
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    double ss = 0;
    for (size_t i = 0; i < d; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    float scale =
        static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(d) + config_.rms_eps));
    float* o = out + r * d;
    for (size_t i = 0; i < d; ++i) o[i] = xr[i] * scale * w[i];
  }
}

// Rotates the first rope_dim dims of each head; cos_sin holds (cos, sin) per pair for this token.
void CpuLlamaRunner::rope(float* x, size_t heads, const float* cos_sin) const {
  const size_t hd = static_cast<size_t>(config_.head_dim), pairs = inv_freq_.size();
  for (size_t h = 0; h < heads; ++h) {
    float* v = x + h * hd;
    for (size_t i = 0; i < pairs; ++i) {
      float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
      size_t a, b;
      if (config_.rope_style == RopeStyle::Interleaved) {
        a = 2 * i;
        b = 2 * i + 1;
      } else {
        a = i;
        b = i + pairs;
      }
      float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

void CpuLlamaRunner::storeKv(size_t layer, const ForwardBatch& batch) {
  const size_t kv = static_cast<size_t>(config_.kvDim());
  for (size_t t = 0; t < batch.size(); ++t) {
    const std::vector<int32_t>& table =
        *batch.block_tables[static_cast<size_t>(batch.sequence_of[t])];
    size_t pos = static_cast<size_t>(batch.positions[t]);
    int32_t block = table.at(pos / kKvBlockSize);
    uint16_t* kd = kvSlot(k_cache_.get(), layer, block, pos % kKvBlockSize);
    uint16_t* vd = kvSlot(v_cache_.get(), layer, block, pos % kKvBlockSize);
    for (size_t i = 0; i < kv; ++i) {
      kd[i] = floatToFp16(kproj_[t * kv + i]);
      vd[i] = floatToFp16(vproj_[t * kv + i]);
    }
  }
}

void CpuLlamaRunner::attention(size_t layer, const ForwardBatch& batch) {
  const size_t heads = static_cast<size_t>(config_.head_count);
  const size_t hd = static_cast<size_t>(config_.head_dim);
  const size_t kv = static_cast<size_t>(config_.kvDim());
  const size_t group = static_cast<size_t>(config_.groupSize());
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const size_t q_dim = heads * hd;
  const size_t window = static_cast<size_t>(config_.sliding_window);
  pool_.parallelFor(batch.size() * heads, [&](size_t begin, size_t end, int thread) {
    std::vector<float>& scores = scores_[static_cast<size_t>(thread)];
    for (size_t item = begin; item < end; ++item) {
      size_t t = item / heads, h = item % heads, g = h / group;
      const std::vector<int32_t>& table =
          *batch.block_tables[static_cast<size_t>(batch.sequence_of[t])];
      size_t len = static_cast<size_t>(batch.positions[t]) + 1;
      if (scores.size() < len) scores.resize(len);
      // Positions [first, len) are attended to; scores stay indexed by position, and the
      // positions before `first` in its block are masked.
      const size_t first = window > 0 && len > window ? len - window : 0;
      const size_t first_block = first / kKvBlockSize, from = first_block * kKvBlockSize;
      // Q and the attention weights are rounded to f16 as they meet the f16 cache, the numerics
      // of llama.cpp's default f16 KV path (the model's logits are sensitive to this rounding).
      float q[kMaxHeadDim];
      const float* qsrc = q_.data() + t * q_dim + h * hd;
      std::copy_n(qsrc, hd, q);
      kern_.round_to_f16(q, hd);
      // K and V of this kv head, one block (up to 16 consecutive positions) per kernel call.
      const size_t blocks = (len + kKvBlockSize - 1) / kKvBlockSize;
      const size_t stride = kv * sizeof(uint16_t);
      auto rows = [&](const uint16_t* cache, size_t b) {
        size_t index = (layer * kv_blocks_ + static_cast<size_t>(table[b])) * kKvBlockSize * kv;
        return reinterpret_cast<const uint8_t*>(cache + index + g * hd);
      };
      for (size_t b = first_block; b < blocks; ++b) {
        size_t n = std::min(kKvBlockSize, len - b * kKvBlockSize);
        kern_.dot_f16_rows(rows(k_cache_.get(), b), stride, n, q, hd,
                           scores.data() + b * kKvBlockSize);
      }
      float max = -INFINITY;
      for (size_t j = first; j < len; ++j) {
        scores[j] *= scale;
        max = std::max(max, scores[j]);
      }
      std::fill(scores.begin() + static_cast<std::ptrdiff_t>(from),
                scores.begin() + static_cast<std::ptrdiff_t>(first), 0.0f);
      float sum = 0;
      for (size_t j = first; j < len; ++j) {
        scores[j] = std::exp(scores[j] - max);
        sum += scores[j];
      }
      const float inv = 1.0f / sum;
      for (size_t j = first; j < len; ++j) scores[j] *= inv;
      kern_.round_to_f16(scores.data() + from, len - from);
      float* out = attn_.data() + t * q_dim + h * hd;
      std::fill(out, out + hd, 0.0f);
      for (size_t b = first_block; b < blocks; ++b) {
        size_t n = std::min(kKvBlockSize, len - b * kKvBlockSize);
        kern_.axpy_f16_rows(rows(v_cache_.get(), b), stride, n, scores.data() + b * kKvBlockSize,
                            out, hd);
      }
    }
  });
}

void CpuLlamaRunner::forward(const ForwardBatch& batch, std::vector<float>& logits) {
  // However the step ends, memory() then reports the scratch it grew to.
  struct AccountWorkspace {
    CpuLlamaRunner& r;
    ~AccountWorkspace() {
      uint64_t bytes = 0;
      for (auto* v : {&r.x_, &r.h_, &r.q_, &r.kproj_, &r.vproj_, &r.attn_, &r.proj_, &r.gate_,
                      &r.up_, &r.cos_sin_, &r.last_})
        bytes += v->capacity() * sizeof(float);
      for (auto& s : r.scores_) bytes += s.capacity() * sizeof(float);
      r.workspace_bytes_ = bytes;
    }
  } account{*this};
  const size_t T = batch.size();
  const size_t d = static_cast<size_t>(config_.embedding_length);
  const size_t heads = static_cast<size_t>(config_.head_count);
  const size_t q_dim = heads * static_cast<size_t>(config_.head_dim);
  const size_t kv = static_cast<size_t>(config_.kvDim());
  const size_t kv_heads = static_cast<size_t>(config_.head_count_kv);
  const size_t ff = static_cast<size_t>(config_.feed_forward_length);
  const size_t pairs = inv_freq_.size();
  const int64_t rows = static_cast<int64_t>(T);
  logits.clear();
  if (T == 0) return;
  if (kv_blocks_ == 0) throw Error(WHARF_ERR_INTERNAL, "KV cache not allocated");

  x_.resize(T * d);
  h_.resize(T * d);
  q_.resize(T * q_dim);
  kproj_.resize(T * kv);
  vproj_.resize(T * kv);
  attn_.resize(T * q_dim);
  proj_.resize(T * d);
  gate_.resize(T * ff);
  up_.resize(T * ff);
  cos_sin_.resize(T * pairs * 2);

  for (size_t t = 0; t < T; ++t) {
    int32_t tok = batch.tokens[t];
    if (tok < 0 || static_cast<int64_t>(tok) >= config_.vocab_size) {
      throw Error(WHARF_ERR_INVALID_ARGUMENT, "token id " + std::to_string(tok) + " out of range");
    }
    const std::vector<int32_t>& table =
        *batch.block_tables.at(static_cast<size_t>(batch.sequence_of[t]));
    size_t pos = static_cast<size_t>(batch.positions[t]);
    if (pos / kKvBlockSize >= table.size()) {
      throw Error(WHARF_ERR_INTERNAL, "position " + std::to_string(pos) + " has no KV block");
    }
    for (size_t b = 0; b <= pos / kKvBlockSize; ++b) {
      if (table[b] < 0 || static_cast<size_t>(table[b]) >= kv_blocks_) {
        throw Error(WHARF_ERR_INTERNAL, "KV block id out of range");
      }
    }
    for (size_t i = 0; i < pairs; ++i) {
      double theta = static_cast<double>(pos) * static_cast<double>(inv_freq_[i]);
      cos_sin_[(t * pairs + i) * 2] = static_cast<float>(std::cos(theta));
      cos_sin_[(t * pairs + i) * 2 + 1] = static_cast<float>(std::sin(theta));
    }
  }

  embed(batch, d);

  for (size_t layer = 0; layer < weights_.layers.size(); ++layer) {
    const LayerWeights& L = weights_.layers[layer];
    rmsNorm(x_.data(), L.attn_norm, h_.data(), T);
    if (observer_) observer_(layer, LinearInput::Attention, h_.data(), T, d);
    matmul(pool_, kern_, h_.data(), rows, static_cast<int64_t>(d),
           {{&L.q, q_.data()}, {&L.k, kproj_.data()}, {&L.v, vproj_.data()}}, input_);
    for (size_t t = 0; t < T; ++t) {
      if (!L.q_bias.empty()) {
        for (size_t i = 0; i < q_dim; ++i) q_[t * q_dim + i] += L.q_bias[i];
        for (size_t i = 0; i < kv; ++i) kproj_[t * kv + i] += L.k_bias[i];
        for (size_t i = 0; i < kv; ++i) vproj_[t * kv + i] += L.v_bias[i];
      }
      rope(q_.data() + t * q_dim, heads, cos_sin_.data() + t * pairs * 2);
      rope(kproj_.data() + t * kv, kv_heads, cos_sin_.data() + t * pairs * 2);
    }
    storeKv(layer, batch);
    attention(layer, batch);
    if (observer_) observer_(layer, LinearInput::AttentionOutput, attn_.data(), T, q_dim);
    matmul(pool_, kern_, attn_.data(), rows, static_cast<int64_t>(q_dim), {{&L.o, proj_.data()}},
           input_);
    allReduce(proj_, T * d);
    for (size_t i = 0; i < T * d; ++i) x_[i] += proj_[i];

    rmsNorm(x_.data(), L.ffn_norm, h_.data(), T);
    if (observer_) observer_(layer, LinearInput::Mlp, h_.data(), T, d);
    matmul(pool_, kern_, h_.data(), rows, static_cast<int64_t>(d),
           {{&L.gate, gate_.data()}, {&L.up, up_.data()}}, input_);
    for (size_t i = 0; i < T * ff; ++i) {
      float g = gate_[i];
      gate_[i] = g / (1.0f + std::exp(-g)) * up_[i];
    }
    if (observer_) observer_(layer, LinearInput::MlpDown, gate_.data(), T, ff);
    matmul(pool_, kern_, gate_.data(), rows, static_cast<int64_t>(ff), {{&L.down, proj_.data()}},
           input_);
    allReduce(proj_, T * d);
    for (size_t i = 0; i < T * d; ++i) x_[i] += proj_[i];
  }

  // Final norm and LM head for the requested rows only.
  const size_t n_out = batch.logit_rows.size();
  if (n_out == 0) return;
  last_.resize(n_out * d);
  for (size_t r = 0; r < n_out; ++r) {
    size_t t = static_cast<size_t>(batch.logit_rows[r]);
    if (t >= T) throw Error(WHARF_ERR_INTERNAL, "logit row out of range");
    std::copy_n(x_.data() + t * d, d, last_.data() + r * d);
  }
  rmsNorm(last_.data(), weights_.output_norm, last_.data(), n_out);
  lmHead(n_out, d, logits);
}

void CpuLlamaRunner::embed(const ForwardBatch& batch, size_t d) {
  const WeightMatrix& e = weights_.token_embd;
  for (size_t t = 0; t < batch.size(); ++t) {
    const int64_t row = batch.tokens[t] - vocab_begin_;
    if (row >= 0 && row < e.rows) {
      dequantizeRow(e.type, e.row(row), x_.data() + t * d, d);
    } else {
      std::fill_n(x_.data() + t * d, d, 0.0f);  // another rank's token
    }
  }
  allReduce(x_, batch.size() * d);
}

void CpuLlamaRunner::lmHead(size_t n_out, size_t d, std::vector<float>& logits) {
  const size_t vocab = static_cast<size_t>(config_.vocab_size);
  const auto out_rows = static_cast<int64_t>(n_out), cols = static_cast<int64_t>(d);
  if (!comm_) {
    logits.resize(n_out * vocab);
    matmul(pool_, kern_, last_.data(), out_rows, cols, {{&weights_.output, logits.data()}}, input_);
    return;
  }
  const size_t mine = static_cast<size_t>(weights_.output.rows);
  lm_.resize(n_out * mine);
  matmul(pool_, kern_, last_.data(), out_rows, cols, {{&weights_.output, lm_.data()}}, input_);
  std::vector<size_t> counts;
  for (size_t c : vocab_counts_) counts.push_back(c * n_out);
  gathered_.resize(n_out * vocab);
  comm_->allGather(lm_.data(), counts, gathered_.data());
  logits.clear();
  if (comm_->rank() != 0) return;  // rank 0's logits are the step's
  // gathered_ is [rank][row][slice]: interleave into [row][vocab].
  logits.resize(n_out * vocab);
  size_t offset = 0, column = 0;
  for (size_t slice : vocab_counts_) {
    for (size_t r = 0; r < n_out; ++r)
      std::copy_n(gathered_.data() + offset + r * slice, slice, logits.data() + r * vocab + column);
    offset += slice * n_out;
    column += slice;
  }
}

std::unique_ptr<ModelRunner> CpuLlamaRunner::create(std::shared_ptr<const GgufFile> gguf,
                                                    int threads, int ranks,
                                                    const CpuRunnerOptions& options) {
  const ModelConfig config = readModelConfig(*gguf);
  const LlamaWeights weights = LlamaWeights::load(*gguf, config);
  return create(gguf, config, weights, threads, ranks, options);
}

std::unique_ptr<ModelRunner> CpuLlamaRunner::create(std::shared_ptr<const HfCheckpoint> hf,
                                                    int threads, int ranks,
                                                    const CpuRunnerOptions& options) {
  return create(hf, hf->config, hf->weights, threads, ranks, options);
}

std::unique_ptr<ModelRunner> CpuLlamaRunner::create(std::shared_ptr<const void> storage,
                                                    const ModelConfig& config,
                                                    const LlamaWeights& weights, int threads,
                                                    int ranks, const CpuRunnerOptions& options) {
  if (options.q8_0_head) {
    OwnedWeights q8 = withQ8_0Head(std::move(storage), weights);
    return create(std::move(q8.storage), config, q8.weights, threads, ranks, {});
  }
  if (ranks == 1)
    return std::unique_ptr<ModelRunner>(
        new CpuLlamaRunner(std::move(storage), config, weights, threads));
  const TensorParallelPlan plan = TensorParallelPlan::make(config, ranks);
  const int total = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  const int per_rank = std::max(1, total / ranks);
  auto group = std::make_shared<CpuCommunicatorGroup>(ranks);
  std::vector<size_t> counts;
  for (int r = 0; r < ranks; ++r) counts.push_back(static_cast<size_t>(plan.vocabCount(r)));
  std::vector<std::unique_ptr<ModelRunner>> shards;
  for (int r = 0; r < ranks; ++r) {
    std::unique_ptr<CpuLlamaRunner> rank(
        new CpuLlamaRunner(storage, plan.rankConfig(config), plan.shard(weights, r), per_rank));
    rank->comm_ = &group->rank(r);
    rank->vocab_begin_ = plan.vocab_begin[static_cast<size_t>(r)];
    rank->vocab_counts_ = counts;
    shards.push_back(std::move(rank));
  }
  return std::make_unique<TensorParallelRunner>(config, std::move(group), std::move(shards));
}

}  // namespace wharf::engine

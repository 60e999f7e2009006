// The CPU model runner for llama-family models: RMSNorm, RoPE, grouped-query attention over the
// paged f16 KV cache, SwiGLU MLP, with quantized matmuls from engine/matmul.hpp. One forward call
// processes any mix of prefill chunks and decode tokens from many sequences.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "engine/cpu/kernels.hpp"
#include "engine/cpu/matmul.hpp"
#include "engine/cpu/thread_pool.hpp"
#include "engine/model/gguf.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/model/llama_weights.hpp"
#include "engine/parallel/communicator.hpp"
#include "engine/sched/model_runner.hpp"

namespace wharf::engine {

// The input of a layer's linear projections, as an ActivationObserver sees it.
enum class LinearInput {
  Attention,        // input_layernorm output: q_proj, k_proj, v_proj
  AttentionOutput,  // attention output: o_proj
  Mlp,              // post_attention_layernorm output: gate_proj, up_proj
  MlpDown,          // silu(gate) * up: down_proj
};

// Sees every linear layer's input rows during forward() (calibration for offline quantization):
// x is rows x cols f32, valid for the call.
using ActivationObserver =
    std::function<void(size_t layer, LinearInput input, const float* x, size_t rows, size_t cols)>;

// What a runner does with the weights it loads.
struct CpuRunnerOptions {
  // The LM head re-encoded as Q8_0 at load (engine/model/q8_head.hpp): engine-cpu's
  // `lm_head = q8_0`.
  bool q8_0_head = false;
};

class CpuLlamaRunner : public ModelRunner {
 public:
  // threads <= 0: one per hardware thread.
  CpuLlamaRunner(std::shared_ptr<const GgufFile> gguf, int threads);
  // A Hugging Face checkpoint (its weights stay mapped while the runner lives).
  CpuLlamaRunner(std::shared_ptr<const HfCheckpoint> hf, int threads);
  // The model sharded over `ranks` tensor-parallel ranks on the CPU (threads as ranks, the CPU
  // communicator; engine/parallel/), `threads` split evenly between them (at least one each);
  // ranks == 1 is a plain CpuLlamaRunner. Throws naming the dimension `ranks` does not split.
  static std::unique_ptr<ModelRunner> create(std::shared_ptr<const GgufFile> gguf, int threads,
                                             int ranks, const CpuRunnerOptions& options = {});
  static std::unique_ptr<ModelRunner> create(std::shared_ptr<const HfCheckpoint> hf, int threads,
                                             int ranks, const CpuRunnerOptions& options = {});

  const ModelConfig& config() const override { return config_; }
  size_t kvBytesPerBlock() const override;
  void allocateKvCache(size_t blocks) override;
  void forward(const ForwardBatch& batch, std::vector<float>& logits) override;
  RunnerMemory memory() const override;
  int parallelism() const override { return pool_.size(); }
  // Observes the linear layers' inputs of every later forward() (an empty function stops).
  void observeActivations(ActivationObserver observer) { observer_ = std::move(observer); }
  ThreadPool& threadPool() { return pool_; }

 private:
  void rmsNorm(const float* x, const std::vector<float>& w, float* out, size_t rows) const;
  void rope(float* x, size_t heads, const float* cos_sin) const;
  void storeKv(size_t layer, const ForwardBatch& batch);
  void attention(size_t layer, const ForwardBatch& batch);
  uint16_t* kvSlot(uint16_t* cache, size_t layer, int32_t block, size_t slot) const;

  CpuLlamaRunner(std::shared_ptr<const void> storage, ModelConfig config, LlamaWeights weights,
                 int threads);
  static std::unique_ptr<ModelRunner> create(std::shared_ptr<const void> storage,
                                             const ModelConfig& config, const LlamaWeights& weights,
                                             int threads, int ranks,
                                             const CpuRunnerOptions& options);
  // Embedding rows of this rank's vocabulary slice (zeros for the others), summed over the ranks.
  void embed(const ForwardBatch& batch, size_t d);
  // The LM head over this rank's vocabulary slice, all-gathered into logits (n_out x vocab).
  void lmHead(size_t n_out, size_t d, std::vector<float>& logits);
  void allReduce(std::vector<float>& x, size_t n) {
    if (comm_) comm_->allReduceSum(x.data(), n);
  }

  std::shared_ptr<const void> storage_;  // the GGUF file or HF checkpoint the weights point into
  ModelConfig config_;
  LlamaWeights weights_;
  const KernelTable& kern_;
  ThreadPool pool_;
  std::vector<float> inv_freq_;
  size_t kv_blocks_ = 0;
  uint64_t weights_bytes_ = 0;
  std::atomic<uint64_t> kv_bytes_{0}, workspace_bytes_{0};  // memory() reads them from any thread
  // [layer][block][slot][kv_dim], IEEE half. Left uninitialised: a slot is always written before
  // it is read, and untouched pages of a large budget then cost no memory.
  std::unique_ptr<uint16_t[]> k_cache_, v_cache_;

  // Per-step scratch, grown as needed.
  std::vector<float> x_, h_, q_, kproj_, vproj_, attn_, proj_, gate_, up_, cos_sin_, last_;
  std::vector<std::vector<float>> scores_;  // per thread
  MatmulInput input_;
  ActivationObserver observer_;

  // Tensor parallelism: this rank's place in its group (null: the whole model, alone).
  Communicator* comm_ = nullptr;
  int64_t vocab_begin_ = 0;           // first token of this rank's embedding and LM head rows
  std::vector<size_t> vocab_counts_;  // every rank's vocabulary slice
  std::vector<float> lm_, gathered_;
};

}  // namespace wharf::engine

// The CUDA model runner for llama-family models: the weights on one device in f16 (HF safetensors
// as they are; GGUF Q-formats dequantized at load), GEMMs through cuBLAS with tensor cores (f16
// inputs, f32 accumulation and outputs), and engine-cuda's kernels (kernels.hpp) for the rest:
// embedding, RMSNorm fused with the residual add, RoPE, the paged f16 KV cache, attention over
// block tables, SiLU-and-mul. One forward call runs any mix of prefill chunks and decodes, like
// engine-cpu's runner; logits come back to the host and the engine samples them there (the
// ModelRunner default step()).
//
// The runner's methods run on the engine's loop thread; each selects the runner's device first.
#pragma once

#include <cublas_v2.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/cuda/device_buffer.hpp"
#include "engine/model/llama_weights.hpp"
#include "engine/sched/model_runner.hpp"

namespace wharf::engine::cuda {

class CudaLlamaRunner : public ModelRunner {
 public:
  // Uploads `weights` (of `config`) to `device`; `max_tokens` (max_num_batched_tokens) sizes the
  // per-step workspace, allocated here so that memory() measured afterwards includes it.
  CudaLlamaRunner(const ModelConfig& config, const LlamaWeights& weights, int device,
                  size_t max_tokens);
  ~CudaLlamaRunner() override;

  const ModelConfig& config() const override { return config_; }
  size_t kvBytesPerBlock() const override;
  void allocateKvCache(size_t blocks) override;
  void forward(const ForwardBatch& batch, std::vector<float>& logits) override;
  RunnerMemory memory() const override;
  int parallelism() const override { return 1; }
  // The first CUDA or cuBLAS error of a step: the context is not trusted after it.
  std::string fault() const override;

 private:
  struct Matrix {
    DeviceBuffer data;  // rows x cols, f16, row-major
    int64_t rows = 0, cols = 0;
  };
  struct Layer {
    DeviceBuffer attn_norm, ffn_norm, q_bias, k_bias, v_bias;  // f32
    Matrix q, k, v, o, gate, up, down;
  };

  void forwardOnDevice(const ForwardBatch& batch, std::vector<float>& logits);
  Matrix upload(const WeightMatrix& m);
  DeviceBuffer uploadFloats(const std::vector<float>& v);
  // y (f32, rows x w.rows) = x (f16, rows x w.cols) x w^T
  void gemm(const uint16_t* x, int64_t rows, const Matrix& w, float* y);
  void reserveWorkspace(size_t tokens, size_t logit_rows);

  ModelConfig config_;
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  DeviceBuffer blas_workspace_;
  Matrix embedding_, output_;
  bool tied_ = false;
  DeviceBuffer output_norm_, inv_freq_;
  int pairs_ = 0;  // rotated pairs per head
  std::vector<Layer> layers_;
  uint64_t weights_bytes_ = 0;

  size_t kv_blocks_ = 0;
  DeviceBuffer k_cache_, v_cache_;  // [layer][block][16][kv_dim] f16
  std::atomic<uint64_t> kv_bytes_{0}, workspace_bytes_{0};

  // Per-step buffers, sized for `tokens_` rows.
  size_t tokens_ = 0, logit_rows_ = 0;
  DeviceBuffer ids_, positions_, sequence_of_, slots_, tables_, rows_;
  DeviceBuffer x_, h16_, q_, k_, v_, attn16_, proj_, gate_, up_, act16_, last16_, logits_;
  mutable std::mutex fault_mutex_;
  std::string fault_;
};

}  // namespace wharf::engine::cuda

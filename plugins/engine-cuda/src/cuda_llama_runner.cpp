#include "engine/cuda/cuda_llama_runner.hpp"

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstring>
#include <string>

#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/device_batch.hpp"
#include "engine/cuda/kernels.hpp"
#include "engine/model/quant_blocks.hpp"
#include "wharf/cpp/error.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine::cuda {

namespace {

constexpr size_t kBlasWorkspace = 32u << 20;

void checkBlas(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(std::string("cuBLAS error in ") + what + ": " + cublasGetStatusName(status) +
                    ": " + cublasGetStatusString(status));
}

}  // namespace

CudaLlamaRunner::CudaLlamaRunner(const ModelConfig& config, const LlamaWeights& weights, int device,
                                 size_t max_tokens)
    : config_(config), device_(device) {
  if (config_.head_dim % 32 != 0 || config_.head_dim > 256) {
    throw Error(WHARF_ERR_UNSUPPORTED, "engine-cuda: head size " +
                                           std::to_string(config_.head_dim) +
                                           " (a multiple of 32 up to 256 is supported)");
  }
  check(cudaSetDevice(device_), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  checkBlas(cublasCreate(&blas_), "cublasCreate");
  checkBlas(cublasSetStream(blas_, stream_), "cublasSetStream");
  blas_workspace_.reserve(kBlasWorkspace);
  checkBlas(cublasSetWorkspace(blas_, blas_workspace_.as<void>(), kBlasWorkspace),
            "cublasSetWorkspace");

  embedding_ = upload(weights.token_embd);
  tied_ = weights.output.data == weights.token_embd.data && !weights.output.quant;
  if (!tied_) output_ = upload(weights.output);
  output_norm_ = uploadFloats(weights.output_norm);
  std::vector<float> inv;
  for (double f : ropeInverseFrequencies(config_, weights.rope_freq_factors))
    inv.push_back(static_cast<float>(f));
  inv_freq_ = uploadFloats(inv);
  pairs_ = static_cast<int>(inv.size());
  for (const LayerWeights& l : weights.layers) {
    Layer d;
    d.attn_norm = uploadFloats(l.attn_norm);
    d.ffn_norm = uploadFloats(l.ffn_norm);
    d.q_bias = uploadFloats(l.q_bias);
    d.k_bias = uploadFloats(l.k_bias);
    d.v_bias = uploadFloats(l.v_bias);
    d.q = upload(l.q);
    d.k = upload(l.k);
    d.v = upload(l.v);
    d.o = upload(l.o);
    d.gate = upload(l.gate);
    d.up = upload(l.up);
    d.down = upload(l.down);
    layers_.push_back(std::move(d));
  }
  reserveWorkspace(std::max<size_t>(max_tokens, 1), std::max<size_t>(max_tokens, 1));
}

CudaLlamaRunner::~CudaLlamaRunner() {
  cudaSetDevice(device_);
  if (blas_) cublasDestroy(blas_);
  if (stream_) cudaStreamDestroy(stream_);
}

CudaLlamaRunner::Matrix CudaLlamaRunner::upload(const WeightMatrix& m) {
  if (m.quant) {
    throw Error(WHARF_ERR_UNSUPPORTED,
                "engine-cuda: the quant backends' CUDA kernels are not built yet; serve the "
                "quantized checkpoint with engine-cpu");
  }
  Matrix d;
  d.rows = m.rows;
  d.cols = m.cols;
  const size_t cols = static_cast<size_t>(m.cols);
  std::vector<uint16_t> half(static_cast<size_t>(m.rows) * cols);
  std::vector<float> row(cols);
  for (int64_t r = 0; r < m.rows; ++r) {
    uint16_t* out = half.data() + static_cast<size_t>(r) * cols;
    if (m.type == GgmlType::F16) {
      std::memcpy(out, m.row(r), cols * sizeof(uint16_t));
      continue;
    }
    dequantizeRow(m.type, m.row(r), row.data(), cols);
    for (size_t i = 0; i < cols; ++i) out[i] = floatToFp16(row[i]);
  }
  d.data.upload(half.data(), half.size() * sizeof(uint16_t));
  weights_bytes_ += half.size() * sizeof(uint16_t);
  return d;
}

DeviceBuffer CudaLlamaRunner::uploadFloats(const std::vector<float>& v) {
  DeviceBuffer b;
  if (v.empty()) return b;
  b.upload(v.data(), v.size() * sizeof(float));
  weights_bytes_ += v.size() * sizeof(float);
  return b;
}

void CudaLlamaRunner::reserveWorkspace(size_t tokens, size_t logit_rows) {
  const size_t d = static_cast<size_t>(config_.embedding_length);
  const size_t q_dim = static_cast<size_t>(config_.head_count * config_.head_dim);
  const size_t kv = static_cast<size_t>(config_.kvDim());
  const size_t ff = static_cast<size_t>(config_.feed_forward_length);
  const size_t vocab = static_cast<size_t>(config_.vocab_size);
  if (tokens > tokens_) {
    tokens_ = tokens;
    ids_.reserve(tokens * 4);
    positions_.reserve(tokens * 4);
    sequence_of_.reserve(tokens * 4);
    slots_.reserve(tokens * 8);
    rows_.reserve(tokens * 4);
    x_.reserve(tokens * d * 4);
    h16_.reserve(tokens * d * 2);
    q_.reserve(tokens * q_dim * 4);
    k_.reserve(tokens * kv * 4);
    v_.reserve(tokens * kv * 4);
    attn16_.reserve(tokens * q_dim * 2);
    proj_.reserve(tokens * d * 4);
    gate_.reserve(tokens * ff * 4);
    up_.reserve(tokens * ff * 4);
    act16_.reserve(tokens * ff * 2);
  }
  if (logit_rows > logit_rows_) {
    logit_rows_ = logit_rows;
    last16_.reserve(logit_rows * d * 2);
    logits_.reserve(logit_rows * vocab * 4);
  }
  uint64_t bytes = 0;
  for (const DeviceBuffer* b :
       {&ids_, &positions_, &sequence_of_, &slots_, &tables_, &rows_, &x_, &h16_, &q_, &k_, &v_,
        &attn16_, &proj_, &gate_, &up_, &act16_, &last16_, &logits_, &blas_workspace_})
    bytes += b->bytes();
  workspace_bytes_ = bytes;
}

size_t CudaLlamaRunner::kvBytesPerBlock() const {
  return 2 * static_cast<size_t>(config_.block_count) * kKvBlockSize *
         static_cast<size_t>(config_.kvDim()) * sizeof(uint16_t);
}

void CudaLlamaRunner::allocateKvCache(size_t blocks) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  const size_t half_bytes = kvBytesPerBlock() / 2 * blocks;
  k_cache_ = DeviceBuffer();
  v_cache_ = DeviceBuffer();
  k_cache_.reserve(half_bytes);
  v_cache_.reserve(half_bytes);
  kv_blocks_ = blocks;
  kv_bytes_ = 2 * half_bytes;
}

RunnerMemory CudaLlamaRunner::memory() const {
  RunnerMemory m;
  m.device = "cuda:" + std::to_string(device_);
  m.weights_bytes = weights_bytes_;
  m.kv_cache_bytes = kv_bytes_.load();
  m.workspace_bytes = workspace_bytes_.load();
  size_t free = 0, total = 0;
  if (cudaSetDevice(device_) == cudaSuccess && cudaMemGetInfo(&free, &total) == cudaSuccess) {
    m.device_total_bytes = total;
    m.device_free_bytes = free;
  }
  return m;
}

void CudaLlamaRunner::gemm(const uint16_t* x, int64_t rows, const Matrix& w, float* y) {
  // Row-major y = x w^T is column-major y^T = w x^T: A = w (stored K x N column-major,
  // transposed), B = x (K x rows column-major).
  const float one = 1.0f, zero = 0.0f;
  checkBlas(cublasGemmEx(blas_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(w.rows),
                         static_cast<int>(rows), static_cast<int>(w.cols), &one, w.data.as<void>(),
                         CUDA_R_16F, static_cast<int>(w.cols), x, CUDA_R_16F,
                         static_cast<int>(w.cols), &zero, y, CUDA_R_32F, static_cast<int>(w.rows),
                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "cublasGemmEx");
}

void CudaLlamaRunner::forward(const ForwardBatch& batch, std::vector<float>& logits) {
  try {
    forwardOnDevice(batch, logits);
  } catch (const DeviceError& e) {
    std::lock_guard<std::mutex> lock(fault_mutex_);
    if (fault_.empty()) fault_ = e.what();
    throw;
  }
}

std::string CudaLlamaRunner::fault() const {
  std::lock_guard<std::mutex> lock(fault_mutex_);
  return fault_;
}

void CudaLlamaRunner::forwardOnDevice(const ForwardBatch& batch, std::vector<float>& logits) {
  logits.clear();
  if (batch.size() == 0) return;
  if (kv_blocks_ == 0) throw Error(WHARF_ERR_INTERNAL, "KV cache not allocated");
  const DeviceBatch b = packDeviceBatch(batch, kv_blocks_, config_.vocab_size);
  check(cudaSetDevice(device_), "cudaSetDevice");
  const int T = static_cast<int>(b.tokens);
  const int d = static_cast<int>(config_.embedding_length);
  const int heads = static_cast<int>(config_.head_count);
  const int kv_heads = static_cast<int>(config_.head_count_kv);
  const int hd = static_cast<int>(config_.head_dim);
  const int q_dim = heads * hd, kv = kv_heads * hd;
  const int ff = static_cast<int>(config_.feed_forward_length);
  const int vocab = static_cast<int>(config_.vocab_size);
  const int n_out = static_cast<int>(b.logit_rows.size());
  const int pairs = pairs_;
  const bool neox = config_.rope_style == RopeStyle::Neox;
  const float eps = static_cast<float>(config_.rms_eps);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int window = static_cast<int>(config_.sliding_window);
  reserveWorkspace(b.tokens, b.logit_rows.size());

  auto put = [&](DeviceBuffer& dst, const auto& host) {
    const size_t bytes = host.size() * sizeof(host[0]);
    dst.reserve(bytes);
    check(cudaMemcpyAsync(dst.as<void>(), host.data(), bytes, cudaMemcpyHostToDevice, stream_),
          "cudaMemcpyAsync to the device");
  };
  put(ids_, b.token_ids);
  put(positions_, b.positions);
  put(sequence_of_, b.sequence_of);
  put(slots_, b.slots);
  put(tables_, b.block_tables);
  if (n_out > 0) put(rows_, b.logit_rows);

  float* x = x_.as<float>();
  uint16_t* h16 = h16_.as<uint16_t>();
  embedRows(embedding_.data.as<uint16_t>(), ids_.as<int32_t>(), x, T, d, stream_);
  const size_t layer_elems = kv_blocks_ * kKvBlockSize * static_cast<size_t>(kv);
  const float* pending = nullptr;  // the previous sublayer's output, added at the next norm
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    addRmsNorm(x, pending, L.attn_norm.as<float>(), h16, T, d, eps, stream_);
    gemm(h16, T, L.q, q_.as<float>());
    gemm(h16, T, L.k, k_.as<float>());
    gemm(h16, T, L.v, v_.as<float>());
    if (L.q_bias.bytes()) {
      addBias(q_.as<float>(), L.q_bias.as<float>(), T, q_dim, stream_);
      addBias(k_.as<float>(), L.k_bias.as<float>(), T, kv, stream_);
      addBias(v_.as<float>(), L.v_bias.as<float>(), T, kv, stream_);
    }
    applyRope(q_.as<float>(), positions_.as<int32_t>(), inv_freq_.as<float>(), T, heads, hd, pairs,
              neox, stream_);
    applyRope(k_.as<float>(), positions_.as<int32_t>(), inv_freq_.as<float>(), T, kv_heads, hd,
              pairs, neox, stream_);
    uint16_t* kc = k_cache_.as<uint16_t>() + l * layer_elems;
    uint16_t* vc = v_cache_.as<uint16_t>() + l * layer_elems;
    storeKv(k_.as<float>(), v_.as<float>(), slots_.as<int64_t>(), kc, vc, T, kv, stream_);
    pagedAttention(q_.as<float>(), kc, vc, tables_.as<int32_t>(), static_cast<int>(b.max_blocks),
                   sequence_of_.as<int32_t>(), positions_.as<int32_t>(), attn16_.as<uint16_t>(), T,
                   heads, kv_heads, hd, scale, window, stream_);
    gemm(attn16_.as<uint16_t>(), T, L.o, proj_.as<float>());
    addRmsNorm(x, proj_.as<float>(), L.ffn_norm.as<float>(), h16, T, d, eps, stream_);
    gemm(h16, T, L.gate, gate_.as<float>());
    gemm(h16, T, L.up, up_.as<float>());
    siluMul(gate_.as<float>(), up_.as<float>(), act16_.as<uint16_t>(), static_cast<int64_t>(T) * ff,
            stream_);
    gemm(act16_.as<uint16_t>(), T, L.down, proj_.as<float>());
    pending = proj_.as<float>();
  }
  if (n_out == 0) {
    check(cudaStreamSynchronize(stream_), "forward");
    return;
  }
  addRmsNorm(x, pending, output_norm_.as<float>(), h16, T, d, eps, stream_);
  gatherRows(h16, rows_.as<int32_t>(), last16_.as<uint16_t>(), n_out, d, stream_);
  gemm(last16_.as<uint16_t>(), n_out, tied_ ? embedding_ : output_, logits_.as<float>());
  logits.resize(static_cast<size_t>(n_out) * static_cast<size_t>(vocab));
  check(cudaMemcpyAsync(logits.data(), logits_.as<void>(), logits.size() * sizeof(float),
                        cudaMemcpyDeviceToHost, stream_),
        "cudaMemcpyAsync to the host");
  check(cudaStreamSynchronize(stream_), "forward");
}

}  // namespace wharf::engine::cuda

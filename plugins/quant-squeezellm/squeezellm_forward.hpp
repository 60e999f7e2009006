// y = x · Wᵀ for repacked SqueezeLLM layers on the engine's threads: the output features of every
// layer given (q/k/v together) are split across the pool in one parallel loop
// (wharf_cpu/row_tiles.hpp); each weight row is looked up once per 4 tokens, then the row's sparse
// corrections are added. The f32 activations are read in place: there is no per-call scratch (so
// no thread_local to reach from the workers) and no dequantized copy of the layer.
#pragma once

#include <span>

#include "squeezellm_kernels.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::quant_squeezellm {

// x: host F32 [rows, K]; y: host F32 [rows, N]. Throws wharf::Error(INVALID_ARGUMENT) naming the
// shape on a mismatch.
void squeezeLlmForward(const SqueezeLlmWeights& w, const SqueezeLlmKernels& kernels,
                       const wharf_tensor& x, wharf_tensor& y, const CpuPool& pool);

// ys[i] = x · layers[i]ᵀ, every layer with x's K, in one parallel loop; each ys[i] equals
// squeezeLlmForward's bit for bit.
void squeezeLlmForwardMany(std::span<const SqueezeLlmWeights* const> layers,
                           const SqueezeLlmKernels& kernels, const wharf_tensor& x,
                           std::span<wharf_tensor> ys, const CpuPool& pool);

}  // namespace wharf::quant_squeezellm

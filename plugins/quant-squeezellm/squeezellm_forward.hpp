// y = x · Wᵀ for a repacked SqueezeLLM layer on the engine's threads: the output features are
// split across the pool; each thread walks its features in tiles of 64, 16 tokens at a time,
// looking each weight row up once per 4 tokens, then adds the row's sparse corrections. The f32
// activations are read in place: there is no per-call scratch (so no thread_local to reach from
// the workers) and no dequantized copy of the layer.
#pragma once

#include "squeezellm_kernels.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::quant_squeezellm {

// x: host F32 [rows, K]; y: host F32 [rows, N]. Throws wharf::Error(INVALID_ARGUMENT) naming the
// shape on a mismatch.
void squeezeLlmForward(const SqueezeLlmWeights& w, const SqueezeLlmKernels& kernels,
                       const wharf_tensor& x, wharf_tensor& y, const CpuPool& pool);

}  // namespace wharf::quant_squeezellm

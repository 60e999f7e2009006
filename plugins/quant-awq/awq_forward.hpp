// y = x · Wᵀ for a repacked AWQ layer on the engine's threads: the activation rows are quantized
// to Q8 once, then the output features are split across the pool; each thread walks its features
// in tiles of 64, 16 tokens at a time, unpacking each weight row once per 4 tokens.
#pragma once

#include "awq_kernels.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::quant_awq {

// x: host F32 [rows, K]; y: host F32 [rows, N]. Throws wharf::Error(INVALID_ARGUMENT) naming the
// shape on a mismatch.
void awqForward(const AwqWeights& w, const AwqKernels& kernels, const wharf_tensor& x,
                wharf_tensor& y, const CpuPool& pool);

}  // namespace wharf::quant_awq
